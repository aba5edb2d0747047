// libcurl from Debian's libcurl4-openssl-dev. curl_easy_setopt and curl_easy_getinfo are
// variadic, which Swift cannot call: these typed wrappers are the only way in.
#ifndef WORKBENCH_CCURL_SHIM_H
#define WORKBENCH_CCURL_SHIM_H

#include <curl/curl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

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

// MARK: An epoll event loop for curl_multi_socket_action.
// libcurl tells us which sockets to watch (socket callback) and when to time out (timer
// callback); epoll then wakes us for exactly the sockets that are ready, so the cost of a
// loop turn does not grow with the number of transfers in flight (curl_multi_poll's does).
// Written in C because glibc's struct epoll_event is packed, which Swift cannot lay out.

typedef struct {
    int epoll_fd;
    int wake_fd;
    long timeout_ms;   /* the last timer libcurl asked for: -1 none, 0 now, >0 ms from then */
    int timer_updated; /* set by the timer callback, cleared by the loop */
} wb_curl_loop;

static int wb_curl_socket_callback(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp) {
    (void)easy; (void)socketp;
    wb_curl_loop *loop = (wb_curl_loop *)userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    struct epoll_event event = {0};
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = socket;
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0) {
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, socket, &event);
    }
    return 0;
}

static int wb_curl_timer_callback(CURLM *multi, long timeout_ms, void *userp) {
    (void)multi;
    wb_curl_loop *loop = (wb_curl_loop *)userp;
    loop->timeout_ms = timeout_ms;
    loop->timer_updated = 1;
    return 0;
}

/// Sets up the loop's epoll and wake-up descriptors and hands the callbacks to libcurl.
/// Returns 0, or -1 when a descriptor cannot be made.
static inline int wb_curl_loop_open(wb_curl_loop *loop, CURLM *multi) {
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    loop->timeout_ms = -1;
    loop->timer_updated = 0;
    if (loop->epoll_fd < 0 || loop->wake_fd < 0) return -1;
    struct epoll_event event = {0};
    event.events = EPOLLIN;
    event.data.fd = loop->wake_fd;
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &event);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, wb_curl_socket_callback);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, loop);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, wb_curl_timer_callback);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, loop);
    return 0;
}

/// Waits up to `timeout_ms` for ready sockets and lets libcurl act on each.
/// Returns 1 when the wake-up descriptor fired (new commands are waiting), else 0.
static inline int wb_curl_loop_wait(wb_curl_loop *loop, CURLM *multi, int timeout_ms) {
    struct epoll_event events[256];
    int count = epoll_wait(loop->epoll_fd, events, 256, timeout_ms);
    int woke = 0, running = 0;
    for (int i = 0; i < count; i++) {
        int fd = events[i].data.fd;
        if (fd == loop->wake_fd) {
            uint64_t value;
            while (read(fd, &value, sizeof value) > 0) {}
            woke = 1;
            continue;
        }
        int flags = 0;
        if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi, fd, flags, &running);
    }
    return woke;
}

static inline void wb_curl_loop_timeout(CURLM *multi) {
    int running = 0;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
}

/// Thread-safe: wakes the loop from any thread.
static inline void wb_curl_loop_wake(wb_curl_loop *loop) {
    uint64_t one = 1;
    ssize_t written = write(loop->wake_fd, &one, sizeof one);
    (void)written;
}

/// The running library's version record (CURLVERSION_NOW is a macro Swift cannot see).
static inline curl_version_info_data *wb_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
static inline CURLcode wb_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

// MARK: The local model's server dies with us (LLM's ParentDeath).
// prctl is variadic too; this arms the calling process's parent-death signal.
static inline int wb_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

#endif
