#ifndef PLUMB_CURL_SHIM_H
#define PLUMB_CURL_SHIM_H

/*
 * Typed wrappers around libcurl's variadic curl_easy_setopt and curl_easy_getinfo, which the Swift
 * importer cannot call. Each function does one thing and adds no logic of its own.
 */

#include <stddef.h>
#include <curl/curl.h>

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

/* The multi interface's event-driven mode (curl_multi_socket_action), for thousands of transfers on one thread:
   libcurl says which sockets to watch and when to call it back. */
typedef int (*plumb_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *context, void *socket_context);
typedef int (*plumb_curl_timer_callback)(CURLM *multi, long timeout_ms, void *context);
CURLMcode plumb_curl_multi_setopt_socket_function(CURLM *multi, plumb_curl_socket_callback callback, void *context);
CURLMcode plumb_curl_multi_setopt_timer_function(CURLM *multi, plumb_curl_timer_callback callback, void *context);

#endif
