#ifndef PLUMB_MALLOC_SHIM_H
#define PLUMB_MALLOC_SHIM_H

/*
 * glibc's mallopt(M_ARENA_MAX, ...), from <malloc.h>, which the Swift importer's Glibc module leaves out. It does one
 * thing and adds no logic of its own.
 */

/* At most `arenas` malloc arenas from now on; nonzero on success. */
int plumb_malloc_limit_arenas(int arenas);

#endif
