# shellcheck shell=bash disable=SC2034
# (the variables here are used by the scripts that source this file)
# Common settings and helpers, sourced by every script in scripts/.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The bases the series is kept for: BASE=7.3 (the default, the current
# kernel) or BASE=6.12 (the LTS backport). Each has its own series
# (patches/BASE/), mutants (tests/broken/BASE/), config additions
# (configs/BASE/) and build directory (build/BASE/), and is pinned to one
# Debian source package: the one place the pins are. Override with
# BASE_VERSION=... at your own risk: a series is only known to apply to
# its pinned version.
BASE=${BASE:-7.3}
case $BASE in
7.3)
	PINNED_BASE_VERSION=7.3.4-1~bpo13+1
	BASE_PACKAGE=linux-source-7.3
	# Not in bookworm: fetched from this suite with a private apt
	# configuration and unpacked under build/7.3/, leaving the host's
	# packages alone.
	BASE_SUITE=trixie-backports
	;;
6.12)
	PINNED_BASE_VERSION=6.12.117-1~deb12u1
	BASE_PACKAGE=linux-source-6.12
	BASE_SUITE=""	# bookworm's own, installed with apt
	;;
*)
	printf 'error: unknown BASE=%s (7.3 or 6.12)\n' "$BASE" >&2
	exit 1
	;;
esac
BASE_VERSION=${BASE_VERSION:-$PINNED_BASE_VERSION}
export BASE

BUILD_ROOT=$TOP/build	# what the bases share: apt and KVM stamps
BUILD=$BUILD_ROOT/$BASE
if [ -n "$BASE_SUITE" ]; then
	BASE_TARBALL=$BUILD/base-package/usr/src/$BASE_PACKAGE.tar.xz
else
	BASE_TARBALL=/usr/src/$BASE_PACKAGE.tar.xz
fi
TREE=$BUILD/linux
OUT=$BUILD/out
LOGS=$BUILD/logs
PATCHES=$TOP/patches/$BASE
BROKEN=$TOP/tests/broken/$BASE
JOBS=${JOBS:-3}
# Kernel builds: ccache with paths relative to build/BASE, so base,
# patched, worktrees and a fresh clone share hits; fixed build stamps,
# or init/version.c never hits the cache and a relink of the same objects
# does not give the same bzImage (make kselftest-gate keeps its results
# for as long as the bzImage is the same).
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-15G}
export KBUILD_BUILD_TIMESTAMP="2024-01-01" KBUILD_BUILD_USER=lazymm KBUILD_BUILD_HOST=lazymm
export KBUILD_BUILD_VERSION=1
# The series' KUnit suite: its KTAP lines on a console are test cases.
# 7.3's is generic (mm/tests/, x86 and riscv); 6.12's is x86's.
case $BASE in
7.3) KUNIT_SUITE=lazy_mm ;;
6.12) KUNIT_SUITE=x86_lazy_mm ;;
esac

# The identity used for commits in the scratch kernel tree. No person.
export GIT_AUTHOR_NAME="lazy-mm series" GIT_AUTHOR_EMAIL="lazy-mm@localhost"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

mkdir -p "$LOGS"

_t0=${_t0:-$(date +%s)}
export _t0

log() { printf '[%4ds] %s\n' "$(($(date +%s) - _t0))" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install the Debian packages a job needs, saying which ones. Needs root.
need_pkgs() {
	local missing=() p
	# A package whose triggers another job's apt is running is installed.
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -qE 'ok (installed|triggers-pending|triggers-awaited)$' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root or install them"
	log "installing with apt: ${missing[*]}"
	if [ ! -f "$BUILD_ROOT/.apt-updated" ]; then
		apt-get update >"$LOGS/apt-update.log" 2>&1 ||
			die "apt-get update failed, see $LOGS/apt-update.log"
		mkdir -p "$BUILD_ROOT" && touch "$BUILD_ROOT/.apt-updated"
	fi
	# --no-remove: a package that conflicts with one the user has (a cross
	# gcc with gcc-multilib) is refused, not swapped in for it. Another
	# job's apt (jobs run side by side) is waited for.
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --no-remove \
		-o DPkg::Lock::Timeout=900 \
		"${missing[@]}" >"$LOGS/apt-install.log" 2>&1; then
		grep -q 'remove is disabled' "$LOGS/apt-install.log" &&
			die "installing ${missing[*]} would remove installed packages (see $LOGS/apt-install.log); nothing was changed"
		die "apt-get install ${missing[*]} failed, see $LOGS/apt-install.log"
	fi
}

# Packages for building kernels and the in-tree tools.
BUILD_PKGS=(build-essential bc bison flex libelf-dev libssl-dev dwarves ccache
	cpio xz-utils rsync python3 kmod git)
# Packages for booting and running guests.
VM_PKGS=(qemu-system-x86 ovmf stress-ng busybox-static e2fsprogs)
# riscv64 guests (make check-riscv): kernel variants named riscv-*, built
# with the cross compiler (riscv_gcc) and booted on QEMU's virt machine
# under OpenSBI (bookworm's QEMU 7.2, the firmware it ships), with an
# initramfs for root. The cross binutils and C library are installed.
RISCV_PKGS=(binutils-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc)
# The cross compiler itself, bookworm's gcc-12-riscv64-linux-gnu, is
# unpacked under build/riscv-gcc/, not installed: it conflicts with
# gcc-multilib, which make check's 32-bit x86 selftests need, and apt
# would remove one for the other.
RISCV_GCC_VERSION=12.2.0-13cross1
RISCV_GCC=$BUILD_ROOT/riscv-gcc/root/usr/bin/riscv64-linux-gnu-gcc-12
# Their userland is Debian's busybox-static for riscv64, from trixie:
# riscv64 is not an architecture of bookworm.
RISCV_BUSYBOX_SUITE=trixie
RISCV_BUSYBOX_VERSION=1:1.37.0-6+b9
# Packages for the host-side tests (lint, the TCG plugin's user-mode tests,
# and its qemu-system-x86_64 load test).
TEST_PKGS=(shellcheck qemu-user qemu-system-x86 python3 gcc libc6-dev make gnuplot-nox)

# The plugin's count run and the shootdown run, with the files the report
# reads, for make (main.sh) and make count-ab:
#   count_run VARIANT RUN [ARGS]        bench-count at 4 vCPUs
#   shootdown_run VARIANT RUN N [ARGS]  lazybench deadmm at N vCPUs; ARGS
#                                       go to the kernel command line.
# Fewer deadmm exits at more vCPUs, so that the largest runs stay within a
# minute or two under TCG on a small host.
plugin_args() {
	local d=$BUILD/runs/$1 ts
	ts=$(task_sp_store "$OUT/$2") || return 1
	echo "$TOP/tools/lockcount/liblockcount.so,out=$d/lockcount.txt,blocks=$d/blocks.txt,coherence=$d/coherence.txt,taskstore=$ts"
}
# The address of __switch_to_asm's save of the outgoing task's stack
# pointer (mov %rsp,TASK_threadsp(%rdi)) in the kernel built in OUTDIR:
# what it writes names a task_struct (the plugin's taskstore=).
#   task_sp_store OUTDIR
task_sp_store() {
	local out=$1 a sp hit
	kernel_offsets "$out"
	a=$(awk '$3 == "__switch_to_asm" { print $1; exit }' "$out/System.map")
	[ -n "$a" ] || die "no __switch_to_asm in $out/System.map"
	sp=$(awk '$1 == "task_threadsp" { printf "0x%x", $2 }' "$out/lazymm-offsets.txt")
	hit=$(objdump -d --no-show-raw-insn --start-address="0x$a" \
		--stop-address="$(printf '0x%x' $((0x$a + 64)))" "$out/vmlinux" |
		awk -v sp="$sp" '$2 == "mov" && $3 == "%rsp," sp "(%rdi)" { sub(":", "", $1); print $1; exit }')
	[ -n "$hit" ] || die "no mov %rsp,$sp(%rdi) in __switch_to_asm of $out/vmlinux"
	echo "$hit"
}
count_run() {
	local v=$1 run=$2 plug
	shift 2
	plug=$(plugin_args "$run" "$v") || return 1
	bash "$TOP/scripts/run-vm.sh" --fail-on-test --smp 4 --mem 1024 --append "$*" \
		--plugin "$plug" "$v" "$run" bench-count
}
# scale_run VARIANT RUN N [ARGS]  bench-scale at N vCPUs: transfers per
#                                 operation against the vCPU count
scale_run() {
	local v=$1 run=$2 n=$3 plug
	shift 3
	plug=$(plugin_args "$run" "$v") || return 1
	bash "$TOP/scripts/run-vm.sh" --fail-on-test --smp "$n" --mem 1024 --append "$*" \
		--plugin "$plug" "$v" "$run" bench-scale
}
shootdown_run() {
	local v=$1 run=$2 n=$3 plug
	shift 3
	plug=$(plugin_args "$run" "$v") || return 1
	bash "$TOP/scripts/run-vm.sh" --fail-on-test --smp "$n" --mem 1024 \
		--append "$* lazymm_deadmm=$((n <= 8 ? 40 : n <= 16 ? 20 : 10))" \
		--plugin "$plug" "$v" "$run" bench-shootdown
}

# The offsets and sizes the report names data by, for the kernel built in
# OUTDIR, as "name value" lines in OUTDIR/lazymm-offsets.txt: mm_count
# (offset in mm_struct: a locked instruction's target), task_threadsp
# (thread.sp in task_struct: where __switch_to_asm saves the outgoing
# stack pointer) and task_struct (its size). Compiled with the exact
# command line that built kernel/fork.o, so with its config and
# compiler. Kept until vmlinux is newer.
#   kernel_offsets OUTDIR
kernel_offsets() {
	local out=$1 cmd src s
	[ "$out/lazymm-offsets.txt" -nt "$out/vmlinux" ] &&
		[ "$(grep -cE '^(mm_count|task_threadsp|task_struct) [0-9]+$' "$out/lazymm-offsets.txt")" = 3 ] &&
		return 0
	[ -f "$out/kernel/.fork.o.cmd" ] || die "no $out/kernel/.fork.o.cmd: is $out a kernel build?"
	cmd=$(sed -n '1s/^savedcmd_[^ ]* := //p' "$out/kernel/.fork.o.cmd" |
		sed 's/ -Wp,-MMD,[^ ]*//; s/ -c -o kernel\/fork\.o .*$//')
	[ -n "$cmd" ] || die "cannot read the compile command in $out/kernel/.fork.o.cmd"
	src=$(mktemp --suffix=.c)
	s=${src%.c}.s
	cat >"$src" <<'C'
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/stddef.h>
void lazymm_offsets(void);
void lazymm_offsets(void)
{
	asm volatile(".ascii \"lazymm mm_count %c0\"" : :
		     "i" (offsetof(struct mm_struct, mm_count)));
	asm volatile(".ascii \"lazymm task_threadsp %c0\"" : :
		     "i" (offsetof(struct task_struct, thread.sp)));
	asm volatile(".ascii \"lazymm task_struct %c0\"" : :
		     "i" (sizeof(struct task_struct)));
}
C
	if ! (cd "$out" && eval "$cmd -S -o \"\$s\" \"\$src\""); then
		rm -f "$src" "$s"
		die "could not compile the field offsets for $out"
	fi
	sed -n 's/.*\.ascii "lazymm \([a-z_]*\) \([0-9]*\)".*/\1 \2/p' "$s" >"$out/lazymm-offsets.txt.tmp"
	rm -f "$src" "$s"
	[ "$(grep -cE '^(mm_count|task_threadsp|task_struct) [0-9]+$' "$out/lazymm-offsets.txt.tmp")" = 3 ] ||
		die "could not read the field offsets for $out"
	mv "$out/lazymm-offsets.txt.tmp" "$out/lazymm-offsets.txt"
}

# make in the kernel source SRC with its objects in OUT, through ccache:
#   kmake SRC OUT [ARGS...]   (a later CC= or HOSTCC= in ARGS wins)
kmake() {
	local src=$1 out=$2
	shift 2
	make -C "$src" O="$out" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

# The KCSAN data races of soak runs side by side, as a markdown table:
# each title once, whether it is in the series' code (an "ours TITLE"
# line in any run's kcsan.txt), and its reports on each run's console.
#   kcsan_table RUNS VARIANT...   (RUNS/soak-VARIANT/{kcsan.txt,console.log})
kcsan_table() {
	local runs=$1 v title ours row
	shift
	echo "| data race | in the series' code | $(printf '%s | ' "$@")"
	echo "|---|---|$(printf -- '---|%.0s' "$@")"
	for v in "$@"; do cat "$runs/soak-$v/kcsan.txt"; done | cut -d' ' -f2- | sort -u |
		while IFS= read -r title; do
			ours=no
			row=""
			for v in "$@"; do
				! grep -qxF "ours $title" "$runs/soak-$v/kcsan.txt" || ours=yes
				# A race one kernel did not report: grep -c prints 0 and fails.
				row+="$(grep -acF "BUG: KCSAN: $title" "$runs/soak-$v/console.log" || true) | "
			done
			echo "| \`$title\` | $ours | $row"
		done
}

# Is object file OBJ built with KCSAN (does it call the __tsan_ hooks)?
# A per-file KCSAN_SANITIZE override that kbuild ignores fails silently.
kcsan_instrumented() {
	objdump -dr "$1" | grep -q '__tsan_'
}

# Run a long command with its output in a log file; on failure show the tail.
run_logged() {
	local logf=$1
	shift
	if ! "$@" >"$logf" 2>&1; then
		tail -n 40 "$logf" >&2
		die "command failed: $* (full log: $logf)"
	fi
}

# The Debian package a failed build log lacks, as ": needs PKG", for the
# headers and libraries the kselftests use; empty if not recognised.
missing_pkg_hint() {
	local pkg
	pkg=$(sed -nE '
		s#.*(sys/capability\.h|-lcap\b).*#libcap-dev#p
		s#.*(numa\.h|numaif\.h|-lnuma\b).*#libnuma-dev#p
		s#.*(liburing\.h|-luring\b).*#liburing-dev#p
		s#.*(gnu/stubs-32\.h|cannot find -lgcc).*#gcc-multilib#p
		s#.*(libmnl/|-lmnl\b).*#libmnl-dev#p
		s#.*(openssl/).*#libssl-dev#p
		s#.*rsync: (command )?not found.*#rsync#p' "$1" | head -n 1)
	[ -z "$pkg" ] || echo ": needs $pkg"
}

# Is Kconfig option $1 (CONFIG_FOO) one the series adds: defined in the
# patched tree but not in source tree $2?
series_only_option() {
	local re="^[[:space:]]*(menu)?config ${1#CONFIG_}[[:space:]]*$"
	git -C "$TREE" grep -qE "$re" -- '*Kconfig*' &&
		! git -C "$2" grep -qE "$re" -- '*Kconfig*'
}

# Does one of the fragments FRAG... name option OPT?  overridden OPT FRAG...
overridden() {
	local opt=$1 frag
	shift
	for frag in "$@"; do
		grep -qE "^(# )?${opt}[= ]" "$TOP/$frag" && return 0
	done
	return 1
}

# The config fragments for NAME... (configs/NAME.config), each followed by
# this base's additions to it (configs/BASE/NAME.config) where there are
# any: paths relative to $TOP, one per line.
config_fragments() {
	local name
	for name in "$@"; do
		echo "configs/$name.config"
		[ ! -f "$TOP/configs/$BASE/$name.config" ] || echo "configs/$BASE/$name.config"
	done
}

# Verify that every option the config fragments ask for survived
# olddefconfig in CONFIG (olddefconfig silently drops an option whose
# dependencies are missing). Fragment paths are relative to $TOP.
# With --src DIR (a tree without the series), options only the series
# defines are skipped, and said so. A line a later fragment overrides
# is not checked.
check_config_fragments() {
	local src="" frag line opt bad=0
	if [ "$1" = --src ]; then
		src=$2
		shift 2
	fi
	local config=$1
	shift
	local -a frags=("$@")
	local i
	for i in "${!frags[@]}"; do
		frag=${frags[$i]}
		while IFS= read -r line; do
			# A later fragment that names the option again overrides this line.
			opt=${line#\# }
			opt=${opt%%[= ]*}
			case $opt in CONFIG_*) overridden "$opt" "${frags[@]:$((i + 1))}" && continue ;; esac
			case $line in
			CONFIG_*=*)
				grep -qxF -- "$line" "$config" && continue
				if [ -n "$src" ] && series_only_option "$opt" "$src"; then
					log "  $frag: $opt is the series' own, not in this tree; skipped"
					continue
				fi
				echo "  $frag: $line, but .config has: $(grep -E "^(# )?${opt}[= ]" "$config" || echo nothing)" >&2
				bad=1
				;;
			"# CONFIG_"*" is not set")
				grep -q "^$opt=" "$config" || continue
				echo "  $frag: $line, but .config has it set" >&2
				bad=1
				;;
			esac
		done <"$TOP/$frag"
	done
	[ $bad -eq 0 ] || die "config options were dropped by olddefconfig (dependencies missing?)"
}

# Does KVM run a guest here? /dev/kvm can be present and still not work
# (seen on a nested host: QEMU asserts setting IA32_ARCH_CAPABILITIES, or,
# without that MSR, the guest never prints a line). Boot KERNEL under KVM
# until its first console line. The answer is kept for this host boot.
kvm_usable() {
	local kernel=$1 stamp tmp
	[ -w /dev/kvm ] || return 1
	stamp=$BUILD_ROOT/.kvm-usable-$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -f "$stamp" ]; then
		tmp=$(mktemp)
		timeout 30 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nodefaults \
			-display none -no-reboot -serial "file:$tmp" -kernel "$kernel" \
			-append "earlyprintk=ttyS0 panic=-1" >/dev/null 2>&1
		if grep -q '^Linux version' "$tmp"; then echo yes; else echo no; fi >"$stamp"
		rm -f "$tmp"
	fi
	[ "$(cat "$stamp")" = yes ]
}

# The guest kernels' CONFIG_NR_CPUS on this base: the last guest fragment
# that sets it (build-kernel.sh checks that the value survives).
guest_nr_cpus() {
	local frag
	config_fragments guest | while IFS= read -r frag; do
		sed -n 's/^CONFIG_NR_CPUS=//p' "$TOP/$frag"
	done | tail -n 1
}

# check_vcpu_counts N...: each N a vCPU count the guest kernels can use.
# More vCPUs than their NR_CPUS would silently measure fewer CPUs.
check_vcpu_counts() {
	local nr n
	nr=$(guest_nr_cpus)
	for n in "$@"; do
		[[ $n =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a vCPU count"
		[ "$n" -le "$nr" ] ||
			die "$n vCPUs asked for, but the $BASE guest kernels have CONFIG_NR_CPUS=$nr ($(config_fragments guest | xargs))"
	done
}

# check_scale_sweep RUNS N...: bench-scale's ping-pong needs two vCPUs.
check_scale_sweep() {
	local n
	[[ $1 =~ ^[1-9][0-9]*$ ]] || die "SCALE_RUNS must be a positive number, not '$1'"
	shift
	for n in "$@"; do
		[ "$n" -ge 2 ] || die "SCALE_SWEEP: $n vCPUs; bench-scale needs at least 2"
	done
}

# fetch_suite_deb SUITE PKG VERSION [ARCH]: download PKG=VERSION (for
# ARCH, default the host's) from the Debian suite SUITE with a private
# sources list, lists and cache under build/apt/SUITE[-ARCH], checked against the Debian archive keyring; the host's
# sources and packages are not touched. Prints the .deb's path; dies
# unless it is that version.
fetch_suite_deb() {
	local suite=$1 pkg=$2 version=$3 arch=${4:-} apt=$BUILD_ROOT/apt/$1${4:+-$4} deb
	local -a opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$apt/lists"
		-o "Dir::Cache::Archives=$apt/archives")
	# Another architecture's package (the riscv guest's busybox): its own
	# lists, so the host's architecture's lists of the suite stay as they are.
	[ -z "$arch" ] || opts+=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch")
	need_pkgs debian-archive-keyring >&2
	mkdir -p "$apt/lists/partial" "$apt/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
		>"$apt/sources.list"
	apt-get "${opts[@]}" update >"$LOGS/apt-$pkg.log" 2>&1 ||
		die "cannot read the $suite package lists (see $LOGS/apt-$pkg.log)"
	(cd "$apt" && apt-get "${opts[@]}" download "$pkg=$version") \
		>>"$LOGS/apt-$pkg.log" 2>&1 ||
		die "cannot download $pkg=$version from $suite (see $LOGS/apt-$pkg.log)"
	local -a debs=("$apt/${pkg}_${version//:/%3a}"_*.deb)
	deb=${debs[0]}
	[ -f "$deb" ] || die "apt-get download left no ${pkg}_$version deb in $apt"
	[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] ||
		die "$deb is not version $version"
	echo "$deb"
}

# The guests' QEMU: 10.0 from bookworm-backports, unpacked under
# build/qemu/ rather than installed, so the host keeps bookworm's 7.2,
# which the TCG counting plugin (tools/lockcount, QEMU 7.2's plugin API)
# and the lanes that use it (make, make count-ab) run on, and the Xen lane
# for now. QEMU 7.2's TCG does the stack reads of a user-mode far return
# as supervisor accesses, and upstream's sysret_ss_attrs test oopses
# under it with SMAP on.
QEMU_SUITE=bookworm-backports
QEMU_VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
QEMU_SEABIOS_VERSION=1.16.3-2~bpo12+1

# qemu_system: set QEMU_BIN (the guests' qemu-system-x86_64) and QEMU_FW
# (its firmware search path), fetching and unpacking it if needed;
# LAZYMM_QEMU=system gives the host's qemu-system-x86_64 instead.
qemu_system() {
	local dir=$BUILD_ROOT/qemu pkg deb missing
	if [ "${LAZYMM_QEMU:-}" = system ]; then
		QEMU_BIN=qemu-system-x86_64 QEMU_FW=()
		return 0
	fi
	if [ "$(cat "$dir/version" 2>/dev/null)" != "$QEMU_VERSION" ]; then
		log "fetching QEMU $QEMU_VERSION from $QEMU_SUITE into $dir" >&2
		rm -rf "$dir"
		for pkg in qemu-system-x86 qemu-system-common qemu-system-data; do
			deb=$(fetch_suite_deb "$QEMU_SUITE" "$pkg" "$QEMU_VERSION")
			dpkg-deb -x "$deb" "$dir"
		done
		deb=$(fetch_suite_deb "$QEMU_SUITE" seabios "$QEMU_SEABIOS_VERSION")
		dpkg-deb -x "$deb" "$dir"
		# Its libraries are bookworm's, which the host's QEMU brings.
		missing=$(ldd "$dir/usr/bin/qemu-system-x86_64" | sed -n 's/^\t*\([^ ]*\) => not found/\1/p' | xargs)
		[ -z "$missing" ] || die "QEMU $QEMU_VERSION needs libraries this host lacks: $missing"
		echo "$QEMU_VERSION" >"$dir/version"
	fi
	QEMU_BIN=$dir/usr/bin/qemu-system-x86_64
	QEMU_FW=(-L "$dir/usr/share/qemu" -L "$dir/usr/share/seabios")
}

# The pristine base, checked out as a worktree of build/linux so base and
# patched build side by side from one repository. Prints its path.
base_worktree() {
	local wt=$BUILD/linux-base
	[ -d "$wt" ] || git -C "$TREE" worktree add -q --detach "$wt" base
	[ "$(git -C "$wt" rev-parse HEAD)" = "$(git -C "$TREE" rev-parse base)" ] ||
		die "$wt is not at the base commit; remove it (git -C $TREE worktree remove $wt)"
	echo "$wt"
}

# Did KUnit start on console $1 but not finish? Then prints the last
# KUnit line and returns 0. KUnit runs before init: a boot that stops
# there is a test that hung, not the TCG 9p hang that run-vm.sh retries.
kunit_unfinished() {
	tr -d '\r' <"$1" | sed -E 's/^\[ *[0-9.]+\] //' | awk '
		/^KTAP version/ && !top { top = 1; next }
		top && !plan && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
		top && /^(not )?ok [0-9]+ / { done++ }
		top && /^( +(KTAP|# |1\.\.|(not )?ok )|(not )?ok [0-9]+ )/ { last = $0 }
		END {
			if (!top || (plan && done >= plan))
				exit 1
			print (last == "" ? "(no KUnit line after KTAP version)" : last)
		}'
}

# variant_arch VARIANT: the guest architecture of a kernel variant, and
# with it KARGS (make's arguments for a cross build, after kmake's own),
# KIMAGE (the image to boot, under the variant's object directory) and
# ARCH_PKGS (the packages its build and boot need).
variant_arch() {
	case $1 in
	riscv-*)
		VARIANT_ARCH=riscv64
		KARGS=(ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- CC="ccache $RISCV_GCC")
		KIMAGE=arch/riscv/boot/Image
		ARCH_PKGS=("${RISCV_PKGS[@]}")
		;;
	*)
		VARIANT_ARCH=x86_64 KARGS=() KIMAGE=arch/x86/boot/bzImage ARCH_PKGS=()
		;;
	esac
}

# variant_source VARIANT: "base" for a variant built from the pristine
# base (base, base-*, riscv-base*), "patched" for one built from the series.
variant_source() {
	local v=${1#riscv-}
	if [ "${v%%-*}" = base ]; then echo base; else echo patched; fi
}

# The end of a check run: its skips and time, then "N passed, M failed"
# from RESULTS (PASS/FAIL/SKIP lines); returns non-zero if any failed.
#   check_totals RESULTS WHERE-THE-SKIPS-ARE-LISTED
check_totals() {
	local passed failed skipped
	passed=$(grep -c '^PASS' "$1" || true)
	failed=$(grep -c '^FAIL' "$1" || true)
	skipped=$(grep -c '^SKIP' "$1" || true)
	log "total time $(($(date +%s) - _t0))s; $skipped skipped (each one listed in $2); results in $1"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# cross_gcc TRIPLET: fetch and unpack bookworm's gcc-12 cross compiler for
# TRIPLET (riscv64-linux-gnu, aarch64-linux-gnu, powerpc64le-linux-gnu)
# under build/, if it is not there yet, and set CROSS_GCC to it. Every
# Debian cross gcc conflicts with gcc-multilib, which make check needs,
# so none is installed. The compiler finds as, ld and the target's headers
# and libraries through usr/TRIPLET in its tree, a link to the installed
# ones (binutils-TRIPLET, and for riscv the C library).
cross_gcc() {
	local triplet=$1 dir version debarch pkg deb
	case $triplet in
	riscv64-linux-gnu) dir=riscv-gcc version=$RISCV_GCC_VERSION debarch=riscv64 ;;
	aarch64-linux-gnu) dir=aarch64-gcc version=12.2.0-14cross1 debarch=arm64 ;;
	powerpc64le-linux-gnu) dir=powerpc64le-gcc version=12.2.0-14cross1 debarch=ppc64el ;;
	*) die "cross_gcc: no cross compiler known for $triplet" ;;
	esac
	dir=$BUILD_ROOT/$dir
	CROSS_GCC=$dir/root/usr/bin/$triplet-gcc-12
	[ "$(cat "$dir/version" 2>/dev/null)" = "$version" ] && return 0
	log "fetching gcc-12-$triplet $version into $dir" >&2
	rm -rf "$dir"
	mkdir -p "$dir/root/usr"
	for pkg in "gcc-12-$triplet" "cpp-12-$triplet" "libgcc-12-dev-$debarch-cross"; do
		(cd "$dir" && apt-get download "$pkg=$version") >>"$LOGS/apt-cross-gcc.log" 2>&1 ||
			die "cannot download $pkg=$version (see $LOGS/apt-cross-gcc.log; apt-get update?)"
	done
	for deb in "$dir"/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	ln -s "/usr/$triplet" "$dir/root/usr/$triplet"
	"$CROSS_GCC" --version >/dev/null || die "the unpacked $CROSS_GCC does not run"
	echo "$version" >"$dir/version"
}

# riscv_gcc: the riscv cross compiler, RISCV_GCC.
riscv_gcc() {
	cross_gcc riscv64-linux-gnu
}

# build_log_is_kill LOG VARIANT: whether a failed build-kernel.sh VARIANT,
# its output in LOG, failed in the kernel's own configure or compile steps
# (run_logged's "command failed: kmake", build-kernel.sh's "building
# VARIANT failed"): for make mutants a kill. A build that never got there
# (apt, the cross compiler's download) ran nothing.
build_log_is_kill() {
	grep -qE "command failed: kmake|error: building $2 failed" "$1"
}
