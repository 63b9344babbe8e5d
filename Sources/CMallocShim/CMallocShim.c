#include "CMallocShim.h"

#include <malloc.h>

int plumb_malloc_limit_arenas(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}
