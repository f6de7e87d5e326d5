# SPDX-License-Identifier: BSD-2-Clause
# qemu-prof.py: the gdb side of tools/qemu-prof.sh (see there).
import gdb, collections
gdb.execute("set pagination off")
gdb.execute("file " + KERNEL)
gdb.execute("target remote localhost:1235")
FUNC = globals().get("FUNC", "")
if FUNC:  # faster: stop at a kernel function (no condition on every trap)
    gdb.execute("break " + FUNC)
else:
    gdb.execute("break trap_vector if $a7 == %s && ($a0 >> 32) == %s" % (SYSNO, LABEL))
for _ in range(SKIP + 1):
    gdb.execute("continue")
gdb.execute("delete")
counts = collections.Counter()
lines = collections.Counter()
unknown = collections.Counter()
PCS = globals().get("PCS", False)
n = 0
while True:
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    if pc < 0x8000000000000000:
        break
    sal = gdb.find_pc_line(pc)
    f = gdb.block_for_pc(pc)
    fn = f.function.name if f and f.function else "?"
    counts[fn] += 1
    if fn == "?" and PCS: unknown[pc] += 1
    lines["%s:%d" % (sal.symtab.filename.split('/')[-1] if sal.symtab else "?", sal.line)] += 1
    n += 1
    try:
        gdb.execute("stepi", to_string=True)
    except gdb.error:
        break
print("TOTAL kernel instructions", n)
for k, v in counts.most_common():
    print("%5d %s" % (v, k))
print("--- lines")
for k, v in lines.most_common(40):
    print("%5d %s" % (v, k))
if PCS:
    print("--- pcs without a function")
    for k, v in sorted(unknown.items()):
        print("%5d %x" % (v, k))
