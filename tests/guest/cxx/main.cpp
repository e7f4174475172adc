// C++ on Capsule: static constructors before main and destructors after it
// (in the reverse order), new and delete on the app's malloc, virtual calls,
// new[]/delete[] running each element's constructor and destructor, and a
// failed new ending the program as an uncaught bad_alloc would (abort).
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

    if (argc > 1 && strcmp(argv[1], "exhaust") == 0) {
        size_t huge = (size_t)1 << 40;      // more than any guest's memory
        char *p = new char[huge];
        printf("cxx: new char[1 TiB] returned %p\n", (void *)p);  // must not be reached
    }
    return 0;
}
