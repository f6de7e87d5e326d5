/* The image for `make bench-qemu`: a root task that measures. */
#include "images.inc"
    ROOT_IMAGE "bench.elf"
