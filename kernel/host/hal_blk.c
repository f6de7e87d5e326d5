/* hal_blk.c: TEMPORARY minimal host store (write-through, no cache model);
 * the full one with the volatile cache comes with the block-device work. */
#include <stdlib.h>
#include <string.h>
#include "hal.h"
#include "host_blk.h"
#include <tether/abi.h>

static u8 *img;
static u64 nblk, cut_at, written;
static bool dead;
static struct host_blk_stats st;

int host_blk_attach(u64 blocks)
{
    free(img);
    img = calloc(blocks, HAL_BLK_BYTES);
    nblk = img ? blocks : 0;
    memset(&st, 0, sizeof st);
    dead = false, cut_at = 0;
    return img ? E_OK : E_NOMEM;
}
int host_blk_attach_file(const char *path) { (void)path; return E_INVAL; }
void host_blk_detach(void) { free(img); img = NULL; nblk = 0; }
struct host_blk_cut host_blk_power_cut(u64 seed) { (void)seed; dead = false; cut_at = 0; struct host_blk_cut c = {0, 0, 0}; return c; }
void host_blk_cut_after(u64 k) { cut_at = k ? written + k : 0; }
bool host_blk_dead(void) { return dead; }
struct host_blk_stats host_blk_stats(void) { return st; }
u32 host_blk_pending(void) { return 0; }
int host_blk_read_durable(u64 blk, void *buf, u32 n)
{
    if (!n || blk + n > nblk) return E_INVAL;
    memcpy(buf, img + blk * HAL_BLK_BYTES, (size_t)n * HAL_BLK_BYTES);
    return E_OK;
}
u64 hal_blk_blocks(void) { return nblk; }
int hal_blk_read(u64 blk, void *buf, u32 n)
{
    if (dead) return E_IO;
    if (!n || blk + n > nblk) return E_INVAL;
    memcpy(buf, img + blk * HAL_BLK_BYTES, (size_t)n * HAL_BLK_BYTES);
    st.reads++, st.blocks_read += n;
    return E_OK;
}
int hal_blk_write(u64 blk, const void *buf, u32 n)
{
    if (dead) return E_IO;
    if (!n || blk + n > nblk) return E_INVAL;
    for (u32 i = 0; i < n; i++) {
        if (cut_at && written + 1 == cut_at) { dead = true; return E_IO; }
        memcpy(img + (blk + i) * HAL_BLK_BYTES, (const u8 *)buf + (size_t)i * HAL_BLK_BYTES, HAL_BLK_BYTES);
        written++;
    }
    st.writes++, st.blocks_written += n;
    return E_OK;
}
int hal_blk_flush(void) { if (dead) return E_IO; st.flushes++; return E_OK; }
