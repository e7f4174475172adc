/* A source outside the app directory, added by tests/guest/realcode/capsule.py's SOURCES. */
int shared_counter_next()
{
    static int n;
    return ++n;
}
