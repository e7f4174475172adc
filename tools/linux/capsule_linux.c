/* What <capsule/measure.h> declares, for an app built for the reference
 * Linux (docs/linux.md): capsule_icount() says whether the run is under
 * QEMU -icount, as the runner told the kernel (tools/linux/init.c's icount
 * option on its command line, which the app reads from /proc/cmdline);
 * capsule_peak_rss_reset() is Linux's own reset of the peak. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <capsule/measure.h>

/* Contract in capsule/measure.h. */
int capsule_icount(void)
{
    static int known = -1;
    if (known < 0) {
        char line[4096] = "";
        FILE *f = fopen("/proc/cmdline", "r");
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = 0;
            fclose(f);
        }
        char *opts = strstr(line, " -- ");
        char *end = opts ? strstr(opts, " --args") : NULL;
        if (end)
            *end = 0;
        known = opts && (strstr(opts, " icount ") != NULL);
    }
    return known;
}

/* Contract in capsule/measure.h: "5" to /proc/self/clear_refs brings the
 * resident high-water mark (ru_maxrss) down to what is resident now. */
void capsule_peak_rss_reset(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "5", 1) != 1)
            perror("capsule_peak_rss_reset: /proc/self/clear_refs");
        close(fd);
    }
}
