// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lockcount - QEMU TCG plugin counting executed locked read-modify-write
 * instructions (LOCK-prefixed, and XCHG with a memory operand) on x86_64.
 *
 * Built without QEMU headers: the few API declarations we need are copied
 * (in shape) from QEMU 7.2 include/qemu/qemu-plugin.h, API version 1.
 *
 * It also counts every instruction executed at those addresses (per
 * translation block, so within a block or two of the window's edges):
 * the "insns=" field of the header line; and every memory write those
 * instructions make (exact, per access: a locked RMW, a push or a call is
 * one write, each iteration of a rep movs another): "stores=".
 *
 * Args: all=on|off (default off: kernel addresses only)
 *       window=on|off (default on: guest START/STOP markers gate counting)
 *       out=PATH (required with window=on; else printed via qemu_plugin_outs)
 *       blocks=PATH (optional: per translation block, keyed by the vaddr of
 *         its first counted instruction, the instructions executed, the
 *         writes made and the times it ran, one "vaddr insns stores execs"
 *         line each, so that they can be attributed to functions; written
 *         with out=)
 *       coherence=PATH (optional: a cache-coherence model, written with
 *         out=; see "coherence" below)
 *       taskstore=VADDR (optional, with coherence=: every distinct address
 *         the instruction at VADDR writes, as the coherence file's T
 *         lines; for the report, the store of the outgoing task's stack
 *         pointer in __switch_to_asm, which names each task_struct that
 *         was switched out, at a fixed offset)
 *
 * The coherence model follows every 64-byte line that counted instructions
 * read or write (kernel addresses only, unless all=on), MESI-style, with
 * caches that never evict: per line, the vCPUs holding a valid copy and
 * the last writer. A transfer is counted when
 *   - a vCPU reads a line it holds no copy of, last written by another
 *     vCPU (read_after_remote_write);
 *   - a vCPU writes a line other vCPUs hold (write_invalidate);
 *   - a locked read-modify-write (the kinds "atomic" and "barrier" above)
 *     does either (locked_rmw).
 * A plain read-modify-write instruction is a read and a write here, as
 * QEMU reports it. The state is cleared when a window opens, so a line's
 * first access in a window is never a transfer. Each transfer is
 * attributed to the instruction that made it and to the line it hit:
 *   # coherence v1 units=U read_after_remote_write=R write_invalidate=W
 *     locked_rmw=L lines=N (the lines followed)
 *   P vaddr R W L   (per instruction with a transfer)
 *   L line R W L    (per line with a transfer; line = address of its
 *                    first byte)
 *   X line vaddr R W L  (per line and instruction with a transfer)
 *   G vcpu offset   (per vCPU: its per-CPU offset, learnt from the
 *                    %gs-relative accesses of counted instructions that
 *                    name a symbol, absolute or RIP-relative, as the
 *                    kernel's this_cpu_*() do: the address minus the
 *                    symbol. A per-CPU symbol S
 *                    of System.map is at S + offset on that vCPU, so the
 *                    report can name the per-CPU data a line holds. The
 *                    header's gs_conflicts counts accesses that gave
 *                    another offset than the vCPU's first: 0 unless the
 *                    decoding is wrong.)
 *   T vaddr         (with taskstore=: an address that instruction wrote,
 *                    since the plugin started, in or out of a window)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU 7.2 plugin API subset (QEMU_PLUGIN_VERSION 1) ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

enum qemu_plugin_mem_rw {
	QEMU_PLUGIN_MEM_R = 1,
	QEMU_PLUGIN_MEM_W,
	QEMU_PLUGIN_MEM_RW,
};

typedef uint32_t qemu_plugin_meminfo_t;
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index,
					  qemu_plugin_meminfo_t info,
					  uint64_t vaddr, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn,
				      qemu_plugin_vcpu_mem_cb_t cb,
				      enum qemu_plugin_cb_flags flags,
				      enum qemu_plugin_mem_rw rw,
				      void *userdata);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);
bool qemu_plugin_bool_parse(const char *name, const char *val, bool *ret);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* ---- plugin state ---- */
#define KERNEL_BASE	0xffff800000000000ULL
#define MARK_STOP	0x4c5a4d30u	/* "0MZL" */
#define MARK_START	0x4c5a4d31u	/* "1MZL" */
#define MARK_UNIT	0x4c5a4d32u	/* "2MZL" */
#define MAX_INSN	15

enum kind { K_NONE, K_ATOMIC, K_BARRIER };
static const char *const kind_name[] = { "none", "atomic", "barrier" };

enum xfer { X_READ, X_WRITE, X_LOCKED, X_KINDS };

/* One per guest vaddr; never freed, since TBs keep pointers to it. */
struct rec {
	uint64_t vaddr;
	uint64_t count;		/* relaxed atomic adds from any vCPU */
	uint64_t xfer[X_KINDS];	/* coherence transfers, the same way */
	uint64_t gs_sym;	/* with gs: the symbol a %gs access names */
	bool gs;
	uint8_t kind;
	uint8_t len;
	uint8_t bytes[MAX_INSN];
};

static bool count_all;
static bool use_window = true;
static const char *out_path, *blocks_path, *coh_path;

/* One per translation block start (merged by vaddr), with blocks=PATH. */
struct blk {
	uint64_t vaddr;
	uint64_t insns;		/* relaxed atomic adds from any vCPU */
	uint64_t stores;
	uint64_t execs;
	uint64_t n;		/* instructions counted in the block */
	struct blk *next;
};

#define BLK_HASH	(1 << 16)
static struct blk *blk_tab[BLK_HASH];	/* under lock */

static int counting;		/* read by every exec callback */
static uint64_t units;

/* One cache line per vCPU: no shared counter. */
#define MAX_VCPUS	64
struct vcpu_count {
	uint64_t n;
	char pad[56];
};

/* Instructions executed, and the memory writes they made. */
static struct vcpu_count insns[MAX_VCPUS], stores[MAX_VCPUS];

static uint64_t total(const struct vcpu_count *c)
{
	uint64_t sum = 0;

	for (int i = 0; i < MAX_VCPUS; i++)
		sum += __atomic_load_n(&c[i].n, __ATOMIC_RELAXED);
	return sum;
}

/* Open-addressing table keyed by vaddr; only touched at translation/dump. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rec **tab;
static size_t tab_size, tab_used;

static size_t hash(uint64_t va)
{
	return (va * 0x9e3779b97f4a7c15ULL) >> 20;
}

static void tab_grow(void)
{
	size_t nsize = tab_size ? tab_size * 2 : 4096;
	struct rec **ntab = calloc(nsize, sizeof(*ntab));

	if (!ntab)
		abort();
	for (size_t i = 0; i < tab_size; i++) {
		struct rec *r = tab[i];
		size_t h;

		if (!r)
			continue;
		for (h = hash(r->vaddr) & (nsize - 1); ntab[h]; h = (h + 1) & (nsize - 1))
			;
		ntab[h] = r;
	}
	free(tab);
	tab = ntab;
	tab_size = nsize;
}

static void *zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		abort();
	return p;
}

/* ---- coherence ---- */
#define LINE_SHIFT	6
#define LINE_HASH	(1 << 20)
#define LINE_LOCKS	(1 << 10)

/* The transfers one instruction made on one line. */
struct pair {
	struct rec *r;
	uint64_t xfer[X_KINDS];
	struct pair *next;
};

struct line {
	uint64_t addr;		/* vaddr >> LINE_SHIFT */
	uint64_t sharers;	/* vCPUs holding a valid copy */
	int last_writer;	/* -1: none since the window opened */
	uint64_t xfer[X_KINDS];
	struct pair *pairs;	/* only instructions that made a transfer */
	struct line *next;
};

/* Each vCPU's per-CPU offset, first seen; accesses that disagree with it. */
static uint64_t pcpu_off[MAX_VCPUS];
static bool pcpu_seen[MAX_VCPUS];
static uint64_t gs_conflicts;

/*
 * With taskstore=: the distinct addresses that instruction wrote, open
 * addressing; when full, more are dropped and counted (task_dropped).
 */
#define TASK_HASH	(1 << 15)
static uint64_t taskstore_va;
static uint64_t task_addr[TASK_HASH];
static uint64_t task_dropped;
static pthread_mutex_t task_lock = PTHREAD_MUTEX_INITIALIZER;

/* Chained, never shrinks: one node per line touched, no per-byte state. */
static struct line *line_tab[LINE_HASH];
static pthread_mutex_t line_lock[LINE_LOCKS];
static uint64_t line_count, xfer_total[X_KINDS];

static size_t line_hash(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15ULL) >> 44;
}

static void coh_line(unsigned int vcpu, uint64_t addr, bool store,
		     bool locked, struct rec *r)
{
	size_t h = line_hash(addr);
	pthread_mutex_t *m = &line_lock[h & (LINE_LOCKS - 1)];
	uint64_t me = 1ULL << vcpu;
	struct line *l;
	int k = -1;

	pthread_mutex_lock(m);
	for (l = line_tab[h]; l; l = l->next)
		if (l->addr == addr)
			break;
	if (!l) {
		l = zalloc(sizeof(*l));
		l->addr = addr;
		l->last_writer = -1;
		l->next = line_tab[h];
		line_tab[h] = l;
		__atomic_fetch_add(&line_count, 1, __ATOMIC_RELAXED);
	}
	if (store) {
		if (l->sharers & ~me)
			k = locked ? X_LOCKED : X_WRITE;
		l->sharers = me;
		l->last_writer = vcpu;
	} else {
		if (!(l->sharers & me) && l->last_writer >= 0 &&
		    l->last_writer != (int)vcpu)
			k = X_READ;
		l->sharers |= me;
	}
	if (k >= 0) {
		struct pair *pr;

		l->xfer[k]++;
		for (pr = l->pairs; pr; pr = pr->next)
			if (pr->r == r)
				break;
		if (!pr) {
			pr = zalloc(sizeof(*pr));
			pr->r = r;
			pr->next = l->pairs;
			l->pairs = pr;
		}
		pr->xfer[k]++;
	}
	pthread_mutex_unlock(m);
	if (k >= 0) {
		__atomic_fetch_add(&r->xfer[k], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&xfer_total[k], 1, __ATOMIC_RELAXED);
	}
}

/* Call @fn on every line followed, each under its bucket's lock. */
static void each_line(void (*fn)(struct line *l, void *arg), void *arg)
{
	for (size_t h = 0; h < LINE_HASH; h++) {
		pthread_mutex_t *m = &line_lock[h & (LINE_LOCKS - 1)];

		if (!line_tab[h])
			continue;
		pthread_mutex_lock(m);
		for (struct line *l = line_tab[h]; l; l = l->next)
			fn(l, arg);
		pthread_mutex_unlock(m);
	}
}

static void reset_line(struct line *l, void *unused)
{
	l->sharers = 0;
	l->last_writer = -1;
	memset(l->xfer, 0, sizeof(l->xfer));
	for (struct pair *pr = l->pairs; pr; pr = pr->next)
		memset(pr->xfer, 0, sizeof(pr->xfer));
}

/* Called with the counting lock held, as the window opens. */
static void coh_reset(void)
{
	each_line(reset_line, NULL);
	for (int k = 0; k < X_KINDS; k++)
		__atomic_store_n(&xfer_total[k], 0, __ATOMIC_RELAXED);
}

static bool gs_sym(const uint8_t *p, size_t n, uint64_t va, uint64_t *sym);

/* Find or create the record for @va; re-translations share it (merge by vaddr). */
static struct rec *rec_get(uint64_t va, int kind, const uint8_t *p, size_t len)
{
	struct rec *r;
	size_t h;

	pthread_mutex_lock(&lock);
	if (2 * (tab_used + 1) > tab_size)
		tab_grow();
	for (h = hash(va) & (tab_size - 1); (r = tab[h]); h = (h + 1) & (tab_size - 1))
		if (r->vaddr == va)
			goto out;
	r = zalloc(sizeof(*r));
	r->vaddr = va;
	r->kind = kind;
	r->len = len < MAX_INSN ? len : MAX_INSN;
	memcpy(r->bytes, p, r->len);
	r->gs = gs_sym(p, len, va, &r->gs_sym);
	tab[h] = r;
	tab_used++;
out:
	pthread_mutex_unlock(&lock);
	return r;
}

static size_t blk_hash(uint64_t va)
{
	return (va * 0x9e3779b97f4a7c15ULL) >> 48;
}

/*
 * Find or create the block of @va; a block re-translated longer or shorter
 * keeps the first size seen, which only matters within a block's length.
 */
static struct blk *blk_get(uint64_t va, size_t n)
{
	struct blk *b;
	size_t h = blk_hash(va);

	pthread_mutex_lock(&lock);
	for (b = blk_tab[h]; b; b = b->next)
		if (b->vaddr == va)
			goto out;
	b = zalloc(sizeof(*b));
	b->vaddr = va;
	b->n = n;
	b->next = blk_tab[h];
	blk_tab[h] = b;
out:
	pthread_mutex_unlock(&lock);
	return b;
}

/* ---- decoding ---- */
static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3: case 0x66: case 0x67:
	case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
		return true;
	}
	return false;
}

/*
 * "lock add/or $0, disp(%rsp)": opcode 80/81/83 with /0 or /1, ModRM rm=100
 * (SIB), SIB base=rsp and no index, REX.X/B clear, immediate all zeros.
 */
static bool is_stack_barrier(const uint8_t *p, size_t n, size_t i,
			     uint8_t rex, bool opsz16)
{
	uint8_t op = p[i], modrm, mod, sib;
	size_t j, immlen;

	if ((op != 0x80 && op != 0x81 && op != 0x83) || i + 3 > n)
		return false;
	modrm = p[i + 1];
	mod = modrm >> 6;
	if (mod == 3 || (modrm & 7) != 4 || ((modrm >> 3) & 7) > 1)
		return false;
	sib = p[i + 2];
	if ((sib & 7) != 4 || ((sib >> 3) & 7) != 4 || (rex & 3))
		return false;
	j = i + 3 + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
	if (op == 0x81)
		immlen = (opsz16 && !(rex & 8)) ? 2 : 4;
	else
		immlen = 1;
	if (j + immlen != n)
		return false;
	for (; j < n; j++)
		if (p[j])
			return false;
	return true;
}

static int classify(const uint8_t *p, size_t n)
{
	bool locked = false, opsz16 = false;
	uint8_t rex = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (is_legacy_prefix(p[i])) {
			locked |= p[i] == 0xf0;
			opsz16 |= p[i] == 0x66;
			rex = 0;	/* REX only counts right before the opcode */
		} else if ((p[i] & 0xf0) == 0x40) {
			rex = p[i];
		} else {
			break;
		}
	}
	if (i + 1 >= n)		/* need opcode + ModRM at least */
		return K_NONE;
	if (!locked) {
		/* XCHG r/m is implicitly locked when the operand is memory */
		if ((p[i] == 0x86 || p[i] == 0x87) && (p[i + 1] >> 6) != 3)
			return K_ATOMIC;
		return K_NONE;
	}
	return is_stack_barrier(p, n, i, rex, opsz16) ? K_BARRIER : K_ATOMIC;
}

/* nopl disp32(%rax,%rax,1) = 0f 1f 84 00 <disp32>; returns disp or 0 */
static uint32_t marker_of(const uint8_t *p, size_t n)
{
	uint32_t d;

	if (n != 8 || p[0] != 0x0f || p[1] != 0x1f || p[2] != 0x84 || p[3] != 0)
		return 0;
	memcpy(&d, p + 4, 4);	/* host and guest are both little endian */
	if (d == MARK_START || d == MARK_STOP || d == MARK_UNIT)
		return d;
	return 0;
}

/*
 * The symbol a %gs-relative access of x86_64's this_cpu_*() names: with
 * an absolute 32-bit displacement ("mov %gs:sym, %rax": prefix 65, ModRM
 * mod=00 rm=100, SIB index=100 (none, REX.X clear) base=101 (no base,
 * disp32)), as with a zero-based per-CPU section (6.12); or RIP-relative
 * ("mov %gs:sym(%rip), %rax": ModRM mod=00 rm=101, sym = the next
 * instruction's address + disp32), as with per-CPU symbols inside the
 * kernel image (7.3).
 */
static bool gs_sym(const uint8_t *p, size_t n, uint64_t va, uint64_t *sym)
{
	int32_t disp;
	bool gs = false;
	uint8_t rex = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (is_legacy_prefix(p[i])) {
			gs |= p[i] == 0x65;
			rex = 0;
		} else if ((p[i] & 0xf0) == 0x40) {
			rex = p[i];
		} else {
			break;
		}
	}
	if (!gs || i >= n)
		return false;
	if (p[i] == 0x0f && ++i < n && (p[i] == 0x38 || p[i] == 0x3a))
		i++;
	/* call, jmp, push through %gs also touch the stack or branch */
	if (p[i] == 0xff && i + 1 < n && ((p[i + 1] >> 3) & 7) >= 2)
		return false;
	i++;			/* the opcode's last byte */
	if (i + 5 <= n && (p[i] & 0xc7) == 0x05) {
		memcpy(&disp, p + i + 1, 4);	/* little endian, like the guest */
		*sym = va + n + (int64_t)disp;
		return true;
	}
	if (i + 6 > n || (p[i] & 0xc7) != 0x04 || (p[i + 1] & 0x3f) != 0x25 ||
	    (rex & 2))
		return false;
	memcpy(&disp, p + i + 2, 4);
	*sym = (uint64_t)(int64_t)disp;
	return true;
}

/* ---- output ---- */
/* Snapshot of one record; counts may still move while we dump. */
struct snap {
	const struct rec *r;
	uint64_t count;
};

static int cmp_snap(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->r->vaddr < y->r->vaddr ? -1 : x->r->vaddr > y->r->vaddr;
}

/* Caller holds lock. */
static void dump(FILE *f)
{
	uint64_t tot[3] = { 0 };
	struct snap *v = malloc((tab_used + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		abort();
	for (size_t i = 0; i < tab_size; i++) {
		struct rec *r = tab[i];
		uint64_t c = r ? __atomic_load_n(&r->count, __ATOMIC_RELAXED) : 0;

		if (c) {
			v[n].r = r;
			v[n++].count = c;
			tot[r->kind] += c;
		}
	}
	qsort(v, n, sizeof(*v), cmp_snap);
	fprintf(f, "# lockcount v1 units=%llu insns=%llu stores=%llu\n",
		(unsigned long long)__atomic_load_n(&units, __ATOMIC_RELAXED),
		(unsigned long long)total(insns),
		(unsigned long long)total(stores));
	fprintf(f, "# total atomic=%llu barrier=%llu\n",
		(unsigned long long)tot[K_ATOMIC],
		(unsigned long long)tot[K_BARRIER]);
	for (size_t i = 0; i < n; i++) {
		const struct rec *r = v[i].r;

		fprintf(f, "%llx %s %llu ", (unsigned long long)r->vaddr,
			kind_name[r->kind], (unsigned long long)v[i].count);
		for (int k = 0; k < r->len; k++)
			fprintf(f, "%02x", r->bytes[k]);
		fputc('\n', f);
	}
	free(v);
}

/* Caller holds lock. */
static void dump_blocks(FILE *f)
{
	for (size_t h = 0; h < BLK_HASH; h++)
		for (struct blk *b = blk_tab[h]; b; b = b->next) {
			uint64_t i = __atomic_load_n(&b->insns, __ATOMIC_RELAXED);
			uint64_t st = __atomic_load_n(&b->stores, __ATOMIC_RELAXED);
			uint64_t e = __atomic_load_n(&b->execs, __ATOMIC_RELAXED);

			if (i || st)
				fprintf(f, "%llx %llu %llu %llu\n",
					(unsigned long long)b->vaddr,
					(unsigned long long)i,
					(unsigned long long)st,
					(unsigned long long)e);
		}
}

static void dump_line(struct line *l, void *arg)
{
	unsigned long long a = l->addr << LINE_SHIFT;
	FILE *f = arg;

	if (!(l->xfer[0] || l->xfer[1] || l->xfer[2]))
		return;
	fprintf(f, "L %llx %llu %llu %llu\n", a,
		(unsigned long long)l->xfer[0],
		(unsigned long long)l->xfer[1],
		(unsigned long long)l->xfer[2]);
	for (struct pair *pr = l->pairs; pr; pr = pr->next)
		if (pr->xfer[0] || pr->xfer[1] || pr->xfer[2])
			fprintf(f, "X %llx %llx %llu %llu %llu\n", a,
				(unsigned long long)pr->r->vaddr,
				(unsigned long long)pr->xfer[0],
				(unsigned long long)pr->xfer[1],
				(unsigned long long)pr->xfer[2]);
}

/* Caller holds lock. */
static void dump_coherence(FILE *f)
{
	static const char *const name[X_KINDS] = {
		"read_after_remote_write", "write_invalidate", "locked_rmw"
	};

	fprintf(f, "# coherence v1 units=%llu",
		(unsigned long long)__atomic_load_n(&units, __ATOMIC_RELAXED));
	for (int k = 0; k < X_KINDS; k++)
		fprintf(f, " %s=%llu", name[k], (unsigned long long)
			__atomic_load_n(&xfer_total[k], __ATOMIC_RELAXED));
	fprintf(f, " lines=%llu gs_conflicts=%llu",
		(unsigned long long)__atomic_load_n(&line_count, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&gs_conflicts, __ATOMIC_RELAXED));
	if (taskstore_va)
		fprintf(f, " task_dropped=%llu", (unsigned long long)task_dropped);
	fprintf(f, "\n");
	for (int v = 0; v < MAX_VCPUS; v++)
		if (__atomic_load_n(&pcpu_seen[v], __ATOMIC_ACQUIRE))
			fprintf(f, "G %d %llx\n", v, (unsigned long long)pcpu_off[v]);
	pthread_mutex_lock(&task_lock);
	for (size_t i = 0; i < TASK_HASH; i++)
		if (task_addr[i])
			fprintf(f, "T %llx\n", (unsigned long long)task_addr[i]);
	pthread_mutex_unlock(&task_lock);
	for (size_t i = 0; i < tab_size; i++) {
		struct rec *r = tab[i];
		uint64_t x[X_KINDS];

		if (!r)
			continue;
		for (int k = 0; k < X_KINDS; k++)
			x[k] = __atomic_load_n(&r->xfer[k], __ATOMIC_RELAXED);
		if (x[0] || x[1] || x[2])
			fprintf(f, "P %llx %llu %llu %llu\n",
				(unsigned long long)r->vaddr, (unsigned long long)x[0],
				(unsigned long long)x[1], (unsigned long long)x[2]);
	}
	each_line(dump_line, f);
}

/* Write to PATH.tmp then rename, so a reader never sees a partial file. */
static void write_file(const char *path, void (*fn)(FILE *))
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f) {
		fn(f);
		if (fclose(f) == 0)
			rename(tmp, path);
	} else {
		perror("lockcount: open out");
	}
}

static void write_results(void)
{
	pthread_mutex_lock(&lock);
	if (blocks_path)
		write_file(blocks_path, dump_blocks);
	if (coh_path)
		write_file(coh_path, dump_coherence);
	if (out_path) {
		write_file(out_path, dump);
	} else {
		char *buf = NULL;
		size_t sz = 0;
		FILE *f = open_memstream(&buf, &sz);

		if (f) {
			dump(f);
			fclose(f);
			qemu_plugin_outs(buf);
			free(buf);
		}
	}
	pthread_mutex_unlock(&lock);
}

/* ---- callbacks ---- */
static void insn_exec(unsigned int vcpu, void *udata)
{
	struct rec *r = udata;

	if (__atomic_load_n(&counting, __ATOMIC_RELAXED))
		__atomic_fetch_add(&r->count, 1, __ATOMIC_RELAXED);
}

static void tb_exec(unsigned int vcpu, void *udata)
{
	if (__atomic_load_n(&counting, __ATOMIC_RELAXED))
		__atomic_fetch_add(&insns[vcpu % MAX_VCPUS].n, (uintptr_t)udata,
				   __ATOMIC_RELAXED);
}

static void blk_exec(unsigned int vcpu, void *udata)
{
	struct blk *b = udata;

	if (__atomic_load_n(&counting, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&insns[vcpu % MAX_VCPUS].n, b->n,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->insns, b->n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->execs, 1, __ATOMIC_RELAXED);
	}
}

static void mem_exec(unsigned int vcpu, qemu_plugin_meminfo_t info,
		     uint64_t vaddr, void *udata)
{
	struct blk *b = udata;

	/* QEMU 7.2 ignores the rw filter at registration: loads come too. */
	if (qemu_plugin_mem_is_store(info) &&
	    __atomic_load_n(&counting, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&stores[vcpu % MAX_VCPUS].n, 1,
				   __ATOMIC_RELAXED);
		if (b)
			__atomic_fetch_add(&b->stores, 1, __ATOMIC_RELAXED);
	}
}

/* Every access of a counted instruction, with coherence=PATH. */
static void coh_exec(unsigned int vcpu, qemu_plugin_meminfo_t info,
		     uint64_t vaddr, void *udata)
{
	struct rec *r = udata;
	bool store = qemu_plugin_mem_is_store(info);
	bool locked = r->kind != K_NONE;
	uint64_t size = 1ULL << qemu_plugin_mem_size_shift(info);
	uint64_t first = vaddr >> LINE_SHIFT;
	uint64_t last = (vaddr + size - 1) >> LINE_SHIFT;

	if (!__atomic_load_n(&counting, __ATOMIC_RELAXED) || vcpu >= MAX_VCPUS)
		return;
	/* User addresses alias between processes: kernel data only. */
	if (!count_all && vaddr < KERNEL_BASE)
		return;
	if (r->gs) {
		uint64_t off = vaddr - r->gs_sym;

		/* Only this vCPU's thread writes its slot. */
		if (!__atomic_load_n(&pcpu_seen[vcpu], __ATOMIC_RELAXED)) {
			pcpu_off[vcpu] = off;
			__atomic_store_n(&pcpu_seen[vcpu], true, __ATOMIC_RELEASE);
		} else if (pcpu_off[vcpu] != off) {
			__atomic_fetch_add(&gs_conflicts, 1, __ATOMIC_RELAXED);
		}
	}
	for (uint64_t a = first; a <= last; a++)
		coh_line(vcpu, a, store, locked, r);
}

/* Every write of the instruction at taskstore=, windows or not. */
static void task_exec(unsigned int vcpu, qemu_plugin_meminfo_t info,
		      uint64_t vaddr, void *udata)
{
	size_t h = (vaddr * 0x9e3779b97f4a7c15ULL) >> 49, n;

	if (!qemu_plugin_mem_is_store(info) || !vaddr)
		return;
	pthread_mutex_lock(&task_lock);
	for (n = 0; n < TASK_HASH; n++, h = (h + 1) & (TASK_HASH - 1)) {
		if (task_addr[h] == vaddr)
			break;
		if (!task_addr[h]) {
			task_addr[h] = vaddr;
			break;
		}
	}
	if (n == TASK_HASH)
		task_dropped++;
	pthread_mutex_unlock(&task_lock);
}

static void marker_exec(unsigned int vcpu, void *udata)
{
	uint32_t m = (uintptr_t)udata;

	if (m == MARK_UNIT) {
		if (__atomic_load_n(&counting, __ATOMIC_RELAXED))
			__atomic_fetch_add(&units, 1, __ATOMIC_RELAXED);
		return;
	}
	if (!use_window)
		return;
	if (m == MARK_START) {
		pthread_mutex_lock(&lock);
		for (size_t i = 0; i < tab_size; i++)
			if (tab[i])
				__atomic_store_n(&tab[i]->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&units, 0, __ATOMIC_RELAXED);
		for (size_t h = 0; h < BLK_HASH; h++)
			for (struct blk *b = blk_tab[h]; b; b = b->next) {
				__atomic_store_n(&b->insns, 0, __ATOMIC_RELAXED);
				__atomic_store_n(&b->stores, 0, __ATOMIC_RELAXED);
				__atomic_store_n(&b->execs, 0, __ATOMIC_RELAXED);
			}
		for (int i = 0; i < MAX_VCPUS; i++) {
			__atomic_store_n(&insns[i].n, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&stores[i].n, 0, __ATOMIC_RELAXED);
		}
		for (size_t i = 0; i < tab_size; i++)
			if (tab[i])
				memset(tab[i]->xfer, 0, sizeof(tab[i]->xfer));
		if (coh_path)
			coh_reset();
		__atomic_store_n(&counting, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&lock);
	} else if (__atomic_exchange_n(&counting, 0, __ATOMIC_RELAXED)) {
		write_results();
	}
}

static bool counts(struct qemu_plugin_insn *insn)
{
	return (count_all || qemu_plugin_insn_vaddr(insn) >= KERNEL_BASE) &&
	       !marker_of(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), counted = 0;
	struct blk *b = NULL;

	if (blocks_path) {
		uint64_t first = 0;

		for (size_t i = 0; i < n; i++) {
			struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

			if (counts(insn)) {
				if (!counted++)
					first = qemu_plugin_insn_vaddr(insn);
			}
		}
		if (counted)
			b = blk_get(first, counted);
		counted = 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *p = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
		uint32_t m = marker_of(p, len);
		int kind;

		if (m) {	/* markers count from any address */
			qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_exec,
							       QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)m);
			continue;
		}
		if (taskstore_va && va == taskstore_va)
			qemu_plugin_register_vcpu_mem_cb(insn, task_exec,
							 QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_W, NULL);
		if (!count_all && va < KERNEL_BASE)
			continue;
		counted++;
		/* Called for the accesses the instruction makes, if any. */
		qemu_plugin_register_vcpu_mem_cb(insn, mem_exec,
						 QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_W, b);
		kind = classify(p, len);
		if (coh_path)
			qemu_plugin_register_vcpu_mem_cb(insn, coh_exec,
							 QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW,
							 rec_get(va, kind, p, len));
		if (kind == K_NONE)
			continue;	/* uninstrumented: costs nothing */
		qemu_plugin_register_vcpu_insn_exec_cb(insn, insn_exec,
						       QEMU_PLUGIN_CB_NO_REGS,
						       rec_get(va, kind, p, len));
	}
	if (b)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, blk_exec,
						     QEMU_PLUGIN_CB_NO_REGS, b);
	else if (counted)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)counted);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	if (__atomic_load_n(&counting, __ATOMIC_RELAXED))
		write_results();
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		bool ok = false;

		if (eq) {
			size_t kl = eq - argv[i];

			if (kl == 3 && !strncmp(argv[i], "all", 3)) {
				ok = qemu_plugin_bool_parse("all", eq + 1, &count_all);
			} else if (kl == 6 && !strncmp(argv[i], "window", 6)) {
				ok = qemu_plugin_bool_parse("window", eq + 1, &use_window);
			} else if (kl == 3 && !strncmp(argv[i], "out", 3) && eq[1]) {
				out_path = eq + 1;	/* argv outlives the plugin */
				ok = true;
			} else if (kl == 6 && !strncmp(argv[i], "blocks", 6) && eq[1]) {
				blocks_path = eq + 1;
				ok = true;
			} else if (kl == 9 && !strncmp(argv[i], "coherence", 9) && eq[1]) {
				coh_path = eq + 1;
				ok = true;
			} else if (kl == 9 && !strncmp(argv[i], "taskstore", 9) && eq[1]) {
				char *end;

				taskstore_va = strtoull(eq + 1, &end, 16);
				ok = !*end && taskstore_va;
			}
		}
		if (!ok) {
			fprintf(stderr, "lockcount: bad argument '%s'\n", argv[i]);
			return -1;
		}
	}
	if (taskstore_va && !coh_path) {
		fprintf(stderr, "lockcount: taskstore= needs coherence=PATH\n");
		return -1;
	}
	if ((use_window || blocks_path || coh_path) && !out_path) {
		fprintf(stderr, "lockcount: window mode needs out=PATH\n");
		return -1;
	}
	counting = !use_window;
	for (int i = 0; i < LINE_LOCKS; i++)
		pthread_mutex_init(&line_lock[i], NULL);
	pthread_mutex_lock(&lock);
	tab_grow();
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
