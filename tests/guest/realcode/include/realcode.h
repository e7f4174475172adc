/* The app's interface header, found through CPPPATH = ['include']. */
#ifndef REALCODE_H
#define REALCODE_H
int text_count_words();
int shared_counter_next();
#endif
