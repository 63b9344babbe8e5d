#define _GNU_SOURCE
#include "CPlumbShim.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <libpq-fe.h>

CURLcode plumb_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode plumb_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode plumb_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode plumb_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode plumb_curl_setopt_write_function(CURL *handle, plumb_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode plumb_curl_setopt_read_function(CURL *handle, plumb_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

CURLcode plumb_curl_setopt_header_function(CURL *handle, plumb_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

CURLcode plumb_curl_setopt_xferinfo_function(CURL *handle, plumb_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

CURLcode plumb_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode plumb_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

int plumb_tun_set_iff(int fd, const char *name, short flags) {
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    request.ifr_flags = flags;
    return ioctl(fd, TUNSETIFF, &request) < 0 ? -errno : 0;
}

int plumb_interface_index(int socket_fd, const char *name) {
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    return ioctl(socket_fd, SIOCGIFINDEX, &request) < 0 ? -errno : request.ifr_ifindex;
}

int plumb_tun_set_persist(int fd, int persist) {
    return ioctl(fd, TUNSETPERSIST, (unsigned long)persist) < 0 ? -errno : 0;
}

int plumb_tun_set_owner(int fd, long uid) {
    return ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0 ? -errno : 0;
}

int plumb_tun_set_group(int fd, long gid) {
    return ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0 ? -errno : 0;
}

int plumb_pg_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
int plumb_pg_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
int plumb_pg_diag_message_detail(void) { return PG_DIAG_MESSAGE_DETAIL; }
int plumb_pg_diag_constraint_name(void) { return PG_DIAG_CONSTRAINT_NAME; }

int plumb_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int plumb_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowfd);
}
