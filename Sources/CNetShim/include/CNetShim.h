#ifndef PLUMB_NET_SHIM_H
#define PLUMB_NET_SHIM_H

/*
 * The network-device ioctls the Swift importer cannot reach (their request codes are function-like
 * macros): TUNSETIFF and friends on /dev/net/tun, SIOCGIFINDEX. Each function does one thing and
 * adds no logic of its own.
 */

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

#endif
