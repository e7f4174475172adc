/* The app's own header named stdlib.h: "stdlib.h" finds it, <stdlib.h>
 * (here and in newlib's headers) finds newlib's. */
#ifndef REALCODE_STDLIB_H
#define REALCODE_STDLIB_H
#include <stdlib.h>

int app_stdlib_marker();
#endif
