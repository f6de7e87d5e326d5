/* hostile.h: the hostile tasks of the test image. hostile.elf runs entry
 * a0 of this table; the test root task (t_hostile.c) checks how each one
 * ended, from the bootinfo page. */
#ifndef HOSTILE_H
#define HOSTILE_H

struct hostile {
    const char *name;
    void (*run)(void);
    unsigned state;          /* TASK_KILLED, TASK_EXITED or TASK_RUNNABLE */
    unsigned long cause;     /* expected scause (killed), or exit status */
};

extern const struct hostile hostile_tests[];
extern const unsigned hostile_count;

#endif
