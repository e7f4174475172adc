// C++ on Capsule: static constructors before main and destructors after it
// (in the reverse order), new and delete on the app's malloc, virtual calls,
// new[]/delete[] running each element's constructor and destructor,
// placement new, nothrow new giving NULL, and a failed new ending the program
// as an uncaught bad_alloc would (abort).  The C++ headers are Capsule's
// (libc_glue/cxx/include).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <new>

static int constructed;

struct Announce {
    const char *name;
    explicit Announce(const char *n) : name(n)
    {
        constructed++;
        printf("cxx: constructor %s (before main)\n", name);
    }
    ~Announce() { printf("cxx: destructor %s (after main)\n", name); }
};

static Announce first("first");
static Announce second("second");

struct Shape {
    virtual ~Shape() { destroyed++; }
    virtual long area() const = 0;
    static int destroyed;
};
int Shape::destroyed;

struct Rect : Shape {
    long w, h;
    Rect(long w_, long h_) : w(w_), h(h_) {}
    long area() const override { return w * h; }
};

struct Square : Rect {
    explicit Square(long s) : Rect(s, s) {}
};

struct Counted {
    static int alive;
    int value;
    Counted() : value(7) { alive++; }
    ~Counted() { alive--; }
};
int Counted::alive;

int main(int argc, char **argv)
{
    printf("cxx: main starts after %d constructors\n", constructed);
    Shape *shapes[2] = { new Rect(3, 4), new Square(5) };
    long total = 0;
    for (Shape *s : shapes)
        total += s->area();
    // operator new took the memory from the app's malloc: malloc knows the block.
    printf("cxx: areas sum %ld; malloc_usable_size(new Rect) >= sizeof(Rect): %s\n", total,
           malloc_usable_size(shapes[0]) >= sizeof(Rect) ? "yes" : "no");
    for (Shape *s : shapes)
        delete s;
    printf("cxx: virtual destructors ran: %d\n", Shape::destroyed);

    Counted *many = new Counted[1000];
    printf("cxx: new Counted[1000]: %d alive, value %d\n", Counted::alive, many[999].value);
    delete[] many;
    printf("cxx: after delete[]: %d alive\n", Counted::alive);

    alignas(Counted) unsigned char storage[sizeof(Counted)];
    Counted *placed = new (storage) Counted;
    std::printf("cxx: placement new in the caller's storage: %s, value %d\n",
                (void *)placed == (void *)storage ? "yes" : "no", placed->value);
    placed->~Counted();
    size_t huge = (size_t)1 << 40;          // more than any guest's memory
    char *none = new (std::nothrow) char[huge];
    std::printf("cxx: new (std::nothrow) char[1 TiB]: %s\n", none ? "a block?" : "NULL");

    if (argc > 1 && std::strcmp(argv[1], "exhaust") == 0) {
        char *p = new char[huge];
        printf("cxx: new char[1 TiB] returned %p\n", (void *)p);  // must not be reached
    }
    return 0;
}
