#ifndef PLUMB_SPAWN_SHIM_H
#define PLUMB_SPAWN_SHIM_H

/*
 * glibc's _np posix_spawn file actions, declared only under _GNU_SOURCE and so out of the Swift
 * importer's reach. Each function does one thing and adds no logic of its own.
 */

#include <spawn.h>

/* In the child: change directory to path. */
int plumb_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);
/* In the child: close every descriptor from lowfd up. */
int plumb_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowfd);

#endif
