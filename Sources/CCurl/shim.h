// libcurl from Debian's libcurl4-openssl-dev. curl_easy_setopt and curl_easy_getinfo are
// variadic, which Swift cannot call: these typed wrappers are the only way in.
#ifndef WORKBENCH_CCURL_SHIM_H
#define WORKBENCH_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode wb_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode wb_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode wb_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode wb_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode wb_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode wb_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode wb_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode wb_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode wb_curl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// A write or header callback, as libcurl calls it.
typedef size_t (*wb_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode wb_curl_easy_setopt_callback(CURL *handle, CURLoption option, wb_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLMcode wb_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// The running library's version record (CURLVERSION_NOW is a macro Swift cannot see).
static inline curl_version_info_data *wb_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
static inline CURLcode wb_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

#endif
