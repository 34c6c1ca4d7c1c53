# What gateway/memory.py installs, in C. CPython calls the arena allocator with the GIL held,
# so it needs no lock. Declarations for the compiled build only: the .py guards every use
# with `cython.compiled`, and run as Python it installs nothing.

cdef extern from *:
    """
    #include <stdint.h>
    #include <sys/mman.h>
    #ifdef __GLIBC__
    #include <malloc.h>
    #endif

    #define ARENAS_RESERVE ((size_t)64 << 20)  /* mapped at once, cut into arenas */
    #define ARENAS_ALIGN ((size_t)2 << 20)     /* a huge page */

    static PyObjectArenaAllocator arenas_system;  /* the allocator replaced */
    static int memory_kept;
    static size_t arenas_size;      /* CPython's arena size: the first size seen */
    static void *arenas_free;       /* arenas given back, linked through their first word */
    static char *arenas_next, *arenas_end;  /* the current reserve's unused part */
    static Py_ssize_t arenas_free_count, arenas_reused, arenas_reserves;
    static size_t arenas_touched;  /* bytes of the first reserve written at keep() */
    static int memory_malloc_kept;  /* glibc's malloc took the settings */

    /* Map a reserve of `length` bytes (a multiple of ARENAS_ALIGN) and make it the current
       one: 0 if the system refused. */
    static int arenas_map_reserve(size_t length) {
        /* Over-map by one huge page, so that the reserve can start on a boundary. */
        char *mapped = mmap(NULL, length + ARENAS_ALIGN, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED)
            return 0;
        arenas_next = (char *)(((uintptr_t)mapped + ARENAS_ALIGN - 1)
                               & ~(uintptr_t)(ARENAS_ALIGN - 1));
        arenas_end = arenas_next + length;
    #ifdef MADV_HUGEPAGE
        madvise(arenas_next, length, MADV_HUGEPAGE);  /* a hint: may be ignored */
    #endif
        arenas_reserves++;
        return 1;
    }

    static void *arenas_alloc(void *ctx, size_t size) {
        if (arenas_size == 0)
            arenas_size = size;
        if (size != arenas_size)
            return arenas_system.alloc(arenas_system.ctx, size);
        if (arenas_free != NULL) {
            void *arena = arenas_free;
            arenas_free = *(void **)arena;
            arenas_free_count--;
            arenas_reused++;
            return arena;
        }
        if (arenas_next == NULL || (size_t)(arenas_end - arenas_next) < size) {
            if (!arenas_map_reserve(ARENAS_RESERVE))
                return NULL;  /* obmalloc raises MemoryError */
        }
        void *arena = arenas_next;
        arenas_next += size;
        return arena;
    }

    /* Arenas mapped before the install come back here too: of the same size, they are
       reused like the others. */
    static void arenas_release(void *ctx, void *arena, size_t size) {
        if (arenas_size == 0)
            arenas_size = size;
        if (size != arenas_size) {
            arenas_system.free(arenas_system.ctx, arena, size);
            return;
        }
        *(void **)arena = arenas_free;
        arenas_free = arena;
        arenas_free_count++;
    }

    /* `pretouch` bytes: the first reserve is at least that large, and its first
       `pretouch` bytes are written now, one byte per page. The system's work of a first
       touch (a fresh page zeroed; for a huge page, memory compacted to find one: ms on a
       busy host) is then done at start, not by the order that would have touched it. Returns
       0 if that reserve could not be mapped (keep() is then not installed). */
    static int memory_keep(size_t pretouch) {
        PyObjectArenaAllocator kept = {NULL, arenas_alloc, arenas_release};
        if (memory_kept)
            return 1;  /* installed twice, the arena allocator would pass sizes to itself */
        if (pretouch > 0) {
            size_t length = (pretouch + ARENAS_ALIGN - 1) & ~(ARENAS_ALIGN - 1);
            if (!arenas_map_reserve(length > ARENAS_RESERVE ? length : ARENAS_RESERVE))
                return 0;
            for (size_t at = 0; at < pretouch; at += 4096)
                ((volatile char *)arenas_next)[at] = 0;
            arenas_touched = pretouch;
        }
        PyObject_GetArenaAllocator(&arenas_system);
        PyObject_SetArenaAllocator(&kept);
    #ifdef __GLIBC__
        /* Blocks of any size up to 1 GiB from the heap, not from maps of their own that
           are unmapped when freed; the heap's free top kept up to 1 GiB; the heap grown
           64 MiB beyond each need. Setting them also ends glibc's own adjustment of the
           first two. */
        memory_malloc_kept = mallopt(M_MMAP_THRESHOLD, 1 << 30)
                             && mallopt(M_TRIM_THRESHOLD, 1 << 30)
                             && mallopt(M_TOP_PAD, 64 << 20);
    #endif
        memory_kept = 1;
        return 1;
    }
    """
    int memory_keep(size_t pretouch) noexcept
    Py_ssize_t arenas_free_count, arenas_reused, arenas_reserves
    size_t arenas_touched
    int memory_malloc_kept
