#ifndef PLUMB_SHIM_H
#define PLUMB_SHIM_H

/*
 * The few C entry points the Swift importer cannot reach: libcurl's variadic
 * curl_easy_setopt, the TUNSETIFF and SIOCGIFINDEX ioctls, libpq's PG_DIAG_* macros and glibc's
 * _np posix_spawn file actions (declared only under _GNU_SOURCE).
 * Each function does one thing and adds no logic of its own.
 */

#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include <spawn.h>

/* libcurl: typed wrappers around the variadic curl_easy_setopt. */
CURLcode plumb_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode plumb_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode plumb_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode plumb_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
typedef size_t (*plumb_curl_data_callback)(char *data, size_t size, size_t count, void *context);
CURLcode plumb_curl_setopt_write_function(CURL *handle, plumb_curl_data_callback callback);
CURLcode plumb_curl_setopt_read_function(CURL *handle, plumb_curl_data_callback callback);
typedef int (*plumb_curl_xferinfo_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                            curl_off_t upload_total, curl_off_t upload_now);
CURLcode plumb_curl_setopt_header_function(CURL *handle, plumb_curl_data_callback callback);
CURLcode plumb_curl_setopt_xferinfo_function(CURL *handle, plumb_curl_xferinfo_callback callback);
CURLcode plumb_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode plumb_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

/* /dev/net/tun: create or attach a tap by name.
 * flags: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR ... as in <linux/if_tun.h>.
 * Returns 0 or -errno. */
int plumb_tun_set_iff(int fd, const char *name, short flags);
/* TUNSETPERSIST, TUNSETOWNER, TUNSETGROUP: 0 or -errno. */
int plumb_tun_set_persist(int fd, int persist);
int plumb_tun_set_owner(int fd, long uid);
int plumb_tun_set_group(int fd, long gid);

/* SIOCGIFINDEX on any socket: the index of device `name` in that socket's network namespace, or -errno. */
int plumb_interface_index(int socket_fd, const char *name);

/* libpq: the PG_DIAG_* field codes for PQresultErrorField. */
int plumb_pg_diag_sqlstate(void);
int plumb_pg_diag_message_primary(void);
int plumb_pg_diag_message_detail(void);
int plumb_pg_diag_constraint_name(void);

/* posix_spawn: change directory in the child; close every descriptor from lowfd up in the child. */
int plumb_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);
int plumb_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowfd);

#endif
