// The C++ runtime a C++ app needs beyond newlib, built with the app (only when
// it has .cpp or .cc sources) by g++ without exceptions or RTTI: operator
// new and delete on the app's malloc, __dso_handle for the destructors of
// static objects (registered with newlib's __cxa_atexit, run by exit in the
// reverse order), and __cxa_pure_virtual.  Static constructors run from
// .init_array before main (libc_glue/start.c: __libc_init_array).  The
// declarations are in libc_glue/cxx/include/new.
#include <new>
#include <stdio.h>
#include <stdlib.h>

const std::nothrow_t std::nothrow{};

// What the startup files (crtbegin.o), which Capsule does not link, would
// define: the handle that names this image's static destructors.
extern "C" {
void *__dso_handle = &__dso_handle;
}

// Without exceptions a failed allocation cannot throw std::bad_alloc; it
// ends the program as an uncaught one would on Linux: abort (status 134).
static void *allocate(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fprintf(stderr, "capsule: operator new(%zu): out of memory\n", size);
        abort();
    }
    return p;
}

// Contract: C++'s global allocation functions, on the app's malloc (no
// aligned forms: malloc's 16-byte alignment covers every fundamental type).
void *operator new(size_t size) { return allocate(size); }
void *operator new[](size_t size) { return allocate(size); }
void operator delete(void *p) noexcept { free(p); }
void operator delete[](void *p) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }
void operator delete[](void *p, size_t) noexcept { free(p); }

// Contract: the nothrow forms give NULL where the others abort.
void *operator new(size_t size, const std::nothrow_t &) noexcept { return malloc(size ? size : 1); }
void *operator new[](size_t size, const std::nothrow_t &) noexcept { return malloc(size ? size : 1); }
void operator delete(void *p, const std::nothrow_t &) noexcept { free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { free(p); }

// Contract: called through a pure virtual function's slot (a call from a
// constructor or destructor of the abstract class): report and abort.
extern "C" void __cxa_pure_virtual(void)
{
    fprintf(stderr, "capsule: pure virtual function called\n");
    abort();
}
