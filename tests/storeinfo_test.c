/* SPDX-License-Identifier: BSD-2-Clause */
/* storeinfo_test.c: tools/storeinfo on store images the core wrote on the
 * host store (`make test-storeinfo`): an intact checkpoint is reported as
 * such with its headers, manifest and derivation tree (compared with the
 * live kernel's objects and slots); one damaged block (header, manifest,
 * directory block, data page) is named exactly, with a non-zero exit; empty,
 * foreign and truncated images are told apart. The Debug object's dumps of
 * the same system (DEBUG_TREE of its endpoint and frame) go to ok.dbg, for
 * `make test-capgraph` to draw both and compare.
 * The tool is $STOREINFO (default build/host/storeinfo); images go to
 * build/storeinfo/. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "harness.h"
#include "fixture.h"
#include "persist.h"
#include "aspace.h"
#include "bank.h"
#include "frame.h"
#include "host_blk.h"
#include "host_console.h"
#include <tether/store.h>

#define RAM (8 * MB)
#define STORE_BLOCKS 2048u
#define DIR "build/storeinfo"

enum { SUB = 10, CS2 = 11, AS2 = 12, FR = 13, EP = 14, M1 = 15, M2 = 16, CP = 17, SYS = ROOT_CAP_SYSTEM };
#define VA 0x400000ull

static char out[1 << 20];  /* the tool's output */
static int status;         /* its exit status   */

static void run(const char *args, const char *img)
{
    const char *tool = getenv("STOREINFO") ? getenv("STOREINFO") : "build/host/storeinfo";
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s %s 2>&1", tool, args, img);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (!p)
        return;
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int st = pclose(p);
    status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Does the output have this line (whole)? Prints the output if not. */
static bool has_line(const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)); p++)
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
            return true;
    printf("    no line \"%s\" in:\n%s", line, out);
    return false;
}
static bool has(const char *s)
{
    if (strstr(out, s))
        return true;
    printf("    no \"%s\" in:\n%s", s, out);
    return false;
}

/* ---- images ---------------------------------------------------------------- */

static void save_image(const char *path)
{
    mkdir("build", 0777);
    mkdir(DIR, 0777);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    static u8 buf[STORE_BLOCK];
    for (u64 b = 0; f && b < hal_blk_blocks(); b++) {
        CHECK_EQ(host_blk_read_durable(b, buf, 1), E_OK);
        CHECK_EQ(fwrite(buf, 1, sizeof buf, f), sizeof buf);
    }
    if (f)
        fclose(f);
}

static void read_blk(const char *path, u64 b, void *buf)
{
    FILE *f = fopen(path, "rb");
    CHECK(f && fseek(f, (long)(b * STORE_BLOCK), SEEK_SET) == 0 && fread(buf, 1, STORE_BLOCK, f) == STORE_BLOCK);
    if (f)
        fclose(f);
}

/* A copy of image src at dst with one byte of block b flipped. */
static void damaged_copy(const char *src, const char *dst, u64 b, u32 off)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp %s %s", src, dst);
    CHECK_EQ(system(cmd), 0);
    FILE *f = fopen(dst, "r+b");
    CHECK(f != NULL);
    if (!f)
        return;
    u8 c = 0;
    CHECK(fseek(f, (long)(b * STORE_BLOCK + off), SEEK_SET) == 0 && fread(&c, 1, 1, f) == 1);
    c ^= 0x10;
    CHECK(fseek(f, (long)(b * STORE_BLOCK + off), SEEK_SET) == 0 && fwrite(&c, 1, 1, f) == 1);
    fclose(f);
}

/* What the newest checkpoint of an image uses (parsed here independently). */
static struct {
    struct store_header h;
    u64 dir0;        /* directory block 0            */
    u64 page, pblk;  /* its first data page, its block */
} lay;

static void parse(const char *img)
{
    static u8 buf[STORE_BLOCK];
    struct store_header h[2];
    for (u32 i = 0; i < 2; i++) {
        read_blk(img, i, buf);
        memcpy(&h[i], buf, sizeof h[i]);
    }
    lay.h = h[h[0].generation > h[1].generation ? 0 : 1];
    read_blk(img, lay.h.manifest_blk, buf);
    lay.dir0 = ((const struct store_ref *)((const struct store_manifest *)buf + 1))[0].blk;
    read_blk(img, lay.dir0, buf);
    const struct store_page *d = (const struct store_page *)buf;
    u32 k = 0;
    while (d[k].kind != PAGE_DATA)
        k++;
    lay.page = k;
    lay.pblk = d[k].blk;
}

/* The DEBUG_TREE dumps of the objects the caps at caps[0..n) name, to path
 * (every call of each dump, as a console would show them). */
static void save_dumps(const char *path, const u32 *caps, unsigned n)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (unsigned i = 0; f && i < n; i++) {
        u64 next = 0;
        unsigned calls = 0;
        do {
            host_console_capture(buf, sizeof buf);
            CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_TREE, caps[i], next, 0, 0, 0, 0), E_OK);
            host_console_capture(NULL, 0);
            fputs(buf, f);
            next = tk_r[0];
        } while (next && ++calls < 10000);
    }
    if (f)
        fclose(f);
}

/* ---- the system checkpointed ------------------------------------------------ */

static u64 usage_root, usage_sub, limit_sub;
static u64 data_pages;

/* Banks, a CSpace and an AddrSpace, a frame mapped with data, an endpoint
 * with a MAP tree below it, a COPY; two checkpoints (the second one
 * incremental). The image of the store goes to DIR/ok.img. */
static void build(void)
{
    CHECK_EQ(host_blk_attach(STORE_BLOCKS), E_OK);
    tk_boot(RAM);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 2 * MB), E_OK);
    new_spaces(SUB, CS2, AS2);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, FR, 0), E_OK);
    memset(frame_page(obj(FR)), 0x5a, 4096);
    CHECK_EQ(tk_inv(AS2, AS_MAP_FRAME, FR, VA, R_READ | R_WRITE, 0, 0, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_map(M1, EP, R_READ | R_WRITE | R_GRANT), E_OK);
    CHECK_EQ(tk_map(M2, M1, R_READ), E_OK);
    CHECK_EQ(tk_mint(CP, EP, R_ALL, 0x77, MINT_COPY), E_OK);
    CHECK_EQ(tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(persist_stats.generation, 2);
    data_pages = persist_stats.written + persist_stats.kept;
    usage_root = tk_usage(BANK);
    usage_sub = tk_usage(SUB);
    CHECK_EQ(tk_inv(SUB, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
    limit_sub = bank_body(obj(SUB))->limit;
    save_image(DIR "/ok.img");
    const u32 dumped[2] = { EP, FR };
    save_dumps(DIR "/ok.dbg", dumped, 2);
    parse(DIR "/ok.img");
}

TEST(storeinfo_reports_an_intact_checkpoint)
{
    build();
    run("", DIR "/ok.img");
    CHECK_EQ(status, 0);
    char line[256];
    CHECK(has("header 0: valid: generation 2, kernel_id "));
    CHECK(has("header 1: valid: generation 1, kernel_id "));
    CHECK(has_line("newest committed checkpoint: generation 2 (header 0); the older one: generation 1 (header 1)"));
    snprintf(line, sizeof line, "manifest: blocks %llu..%llu, checksum ok", (unsigned long long)lay.h.manifest_blk,
             (unsigned long long)(lay.h.manifest_blk + lay.h.manifest_nblk - 1));
    CHECK(has_line(line));
    snprintf(line, sizeof line, "  dir 0: block %llu, ok", (unsigned long long)lay.dir0);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "data pages: %llu checked, %llu ok (the manifest counts %llu)",
             (unsigned long long)data_pages, (unsigned long long)data_pages, (unsigned long long)data_pages);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "pages: %llu: zero ", (unsigned long long)persist_stats.pages);
    CHECK(has(line));
    CHECK(has_line("verdict: OK: generation 2, every checksum matches"));
    CHECK(!strstr(out, "damage"));
    host_blk_detach();
}

TEST(storeinfo_tree_shows_the_checkpointed_banks_objects_and_slots)
{
    build();
    run("--tree", DIR "/ok.img");
    CHECK_EQ(status, 0);
    char line[512];
    oref root = tk.root_bank, sub = obj(SUB), ep = obj(EP), fr = obj(FR), as = obj(AS2);
    u32 cs = tk.root_cs;
    snprintf(line, sizeof line, "boot root_bank=%u root_cspace=%u root_addrspace=%u root_thread=%u root_schedctx=%u",
             root, cs, tk.root_as, tk.root_thread, tk.root_sc);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "bank %u parent=- depth=0 usage=%llu", root, (unsigned long long)usage_root);
    CHECK(has(line));
    snprintf(line, sizeof line, "bank %u parent=%u depth=1 usage=%llu limit=%llu objects=4", sub, root,
             (unsigned long long)usage_sub, (unsigned long long)limit_sub);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "object %u type=endpoint bank=%u state=live epoch=%u bytes=", ep, sub,
             obj_get(ep)->epoch);
    CHECK(has(line));
    snprintf(line, sizeof line, "object %u type=frame bank=%u state=live", fr, sub);
    CHECK(has(line));
    snprintf(line, sizeof line, "group cspace %u bank=%u slots=12", cs, root);  /* the well-known caps, Debug included, and the test's */
    CHECK(has(line));
    /* The endpoint's tree: EP (root) -> M1 -> M2; CP a badged copy (a root). */
    const struct slot *s_ep = tk_slot(EP), *s_m1 = tk_slot(M1), *s_m2 = tk_slot(M2), *s_cp = tk_slot(CP);
    snprintf(line, sizeof line, "slot %u:%u ref=%#x obj=%u type=endpoint epoch=%u rights=rwxg badge=0 depth=0 root",
             cs, EP, slot_ref(s_ep), ep, s_ep->epoch);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "slot %u:%u ref=%#x obj=%u type=endpoint epoch=%u rights=rw-g badge=0 depth=1 derived parent=%#x",
             cs, M1, slot_ref(s_m1), ep, s_m1->epoch, slot_ref(s_ep));
    CHECK(has_line(line));
    snprintf(line, sizeof line, "slot %u:%u ref=%#x obj=%u type=endpoint epoch=%u rights=r--- badge=0 depth=2 derived parent=%#x",
             cs, M2, slot_ref(s_m2), ep, s_m2->epoch, slot_ref(s_m1));
    CHECK(has_line(line));
    snprintf(line, sizeof line, "slot %u:%u ref=%#x obj=%u type=endpoint epoch=%u rights=rwxg badge=0x77 depth=0 root",
             cs, CP, slot_ref(s_cp), ep, s_cp->epoch);
    CHECK(has_line(line));
    /* The frame: its master cap in the frame, the mapping in the AddrSpace. */
    const struct slot *master = &frame_body(fr)->master;
    snprintf(line, sizeof line, "group frame %u bank=%u slots=1", fr, sub);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "slot %u:master ref=%#x obj=%u type=frame epoch=%u rights=rwxg badge=0 depth=0 root",
             fr, slot_ref(master), fr, master->epoch);
    CHECK(has_line(line));
    snprintf(line, sizeof line, "group addrspace %u bank=%u slots=1", as, sub);
    CHECK(has_line(line));
    const struct slot *map = radix_slot(&aspace_body(as)->map, (u32)(VA >> 12));
    CHECK(map != NULL);
    if (map) {
        snprintf(line, sizeof line, "slot %u:%llu ref=%#x obj=%u type=frame epoch=%u rights=rw-- badge=%#llx depth=%u va=%#llx derived parent=",
                 as, (unsigned long long)(VA >> 12), slot_ref(map), fr, map->epoch,
                 (unsigned long long)map->badge, map->depth, (unsigned long long)VA);
        CHECK(has(line));
    }
    snprintf(line, sizeof line, "end banks=2 objects=%u groups=", store.live_objs);
    CHECK(has(line));
    CHECK(has_line("verdict: OK: generation 2, every checksum matches"));
    host_blk_detach();
}

/* One damaged block of each kind: named exactly, exit status 1. */
TEST(storeinfo_names_exactly_the_damaged_block)
{
    build();
    struct { const char *name; u64 blk; u32 off; const char *what; } cases[] = {
        {"header", 0, 20, "damage: block 0 (header 0): checksum mismatch (torn or damaged)"},
        {"manifest", lay.h.manifest_blk, 40, "(manifest): checksum mismatch (torn, stale or damaged)"},
        {"dir", lay.dir0, 100, "(directory block 0): checksum mismatch"},
        {"page", lay.pblk, 4000, "checksum mismatch"},
    };
    char line[256], img[64];
    for (u32 i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(img, sizeof img, DIR "/bad-%s.img", cases[i].name);
        damaged_copy(DIR "/ok.img", img, cases[i].blk, cases[i].off);
        run("", img);
        CHECK_EQ(status, 1);
        CHECK(has(cases[i].what));
        snprintf(line, sizeof line, "verdict: DAMAGED: 1 bad block: %llu", (unsigned long long)cases[i].blk);
        CHECK(has_line(line));
    }
    /* The page: which page it held, too. */
    snprintf(line, sizeof line, "damage: block %llu (page %llu): checksum mismatch", (unsigned long long)lay.pblk,
             (unsigned long long)lay.page);
    CHECK(has_line(line));
    /* A damaged newest header leaves generation 1, itself intact. */
    run("", DIR "/bad-header.img");
    CHECK(has_line("newest committed checkpoint: generation 1 (header 1)"));
    /* The manifest of generation 2 is its own: generation 1 is intact. */
    run("", DIR "/bad-manifest.img");
    CHECK(has_line("older checkpoint: generation 1 is intact (a kernel would resume it)"));
    /* --tree does not dump a damaged checkpoint. */
    run("--tree", DIR "/bad-page.img");
    CHECK_EQ(status, 1);
    CHECK(!strstr(out, "\nslot "));
    host_blk_detach();
}

TEST(storeinfo_tells_empty_foreign_and_truncated_images_apart)
{
    build();
    CHECK_EQ(system("dd if=/dev/zero of=" DIR "/empty.img bs=4096 count=64 status=none"), 0);
    run("", DIR "/empty.img");
    CHECK_EQ(status, 0);
    CHECK(has_line("verdict: EMPTY: no checkpoint (a kernel boots fresh)"));
    CHECK_EQ(system("head -c 65536 /dev/urandom > " DIR "/foreign.img"), 0);
    run("", DIR "/foreign.img");
    CHECK_EQ(status, 1);
    CHECK(has("(not a Tether store header)"));
    CHECK(has_line("verdict: DAMAGED: 2 bad blocks: 0 1"));
    CHECK_EQ(system("head -c 1048576 " DIR "/ok.img > " DIR "/short.img"), 0);
    run("", DIR "/short.img");
    CHECK_EQ(status, 1);
    CHECK(has("(truncated)"));
    run("", DIR "/missing.img");
    CHECK_EQ(status, 2);
    run("--bogus", DIR "/ok.img");
    CHECK_EQ(status, 2);
    host_blk_detach();
}

int main(int argc, char **argv) { return harness_run(argc, argv); }
