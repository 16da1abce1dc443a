#!/bin/sh
# testrig fixture init: a stand-in for linuxkit/init + runc + containerd, used by tests only.
# It runs LinuxKit's bundles (containers/onboot/*, then containers/services/*, then
# containers/onshutdown/*) with the real runc and powers off. It prints only progress lines
# (FIXTURE-..., RUNC-DONE, SERVICE-DONE, ONBOOT-DONE): every marker a test asserts on must be
# printed by the container's own command.
#
# Kernel command line:
#   fixture.service_timeout=N  seconds to let services run before powering off (default 10)
#   fixture.hold=1             do not power off at the end
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

if [ "$1" != stage2 ]; then
	# Stage 1 runs in the initramfs (rootfs). runc's pivot_root cannot leave it, so copy / into a
	# tmpfs and switch_root there, as linuxkit's init does.
	mkdir -p /dev /proc /sys
	mount -t devtmpfs devtmpfs /dev
	exec 0</dev/console 1>/dev/console 2>&1
	echo "FIXTURE-INIT stage1"
	mkdir -p /newroot
	mount -t tmpfs -o mode=0755 tmpfs /newroot
	for f in /* /.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		case $f in
		/newroot) ;;
		/dev | /proc | /sys) mkdir -p "/newroot$f" ;;
		*) cp -a "$f" /newroot/ ;;
		esac
	done
	mount --move /dev /newroot/dev
	exec switch_root /newroot /init stage2
	echo "FIXTURE-INIT switch_root failed"
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /run /tmp /var/log
echo "FIXTURE-INIT stage2 kernel=$(uname -r)"

# cmdline KEY DEFAULT prints the value of KEY=value on the kernel command line.
cmdline() {
	for w in $(cat /proc/cmdline); do
		case $w in "$1="*) echo "${w#*=}"; return ;; esac
	done
	echo "$2"
}

# load_overlay inserts overlay.ko unless the kernel already knows overlayfs.
load_overlay() {
	grep -qw overlay /proc/filesystems && return 0
	for ko in "/lib/modules/$(uname -r)/kernel/fs/overlayfs/overlay.ko" /lib/modules/overlay.ko; do
		[ -f "$ko" ] && insmod "$ko" && return 0
	done
	echo "FIXTURE-INIT no overlay.ko found"
	return 1
}

# runtime_mkdirs prints the "mkdir" entries of a LinuxKit runtime.json, one a line.
runtime_mkdirs() {
	[ -f "$1" ] || return 0
	awk '
	{
		line = $0
		if (!on) {
			i = index(line, "\"mkdir\""); if (i == 0) next
			line = substr(line, i + 7); j = index(line, "["); if (j == 0) next
			line = substr(line, j + 1); on = 1
		}
		k = index(line, "]")
		if (k > 0) { s = s substr(line, 1, k - 1); exit }
		s = s line ","
	}
	END {
		n = split(s, a, ",")
		for (x = 1; x <= n; x++) { gsub(/^[ \t"]+|[ \t"]+$/, "", a[x]); if (a[x] != "") print a[x] }
	}
	' "$1"
}

# runtime_value REGEX FILE prints the first match of REGEX (an extended regexp) in FILE.
runtime_value() {
	[ -f "$2" ] && grep -oE "$1" "$2" | head -n 1
}

# prepare mounts a bundle's root the way LinuxKit's runtime.json asks: an overlay of lower/ with
# upper/work on a tmpfs in tmp/ (readonly: false), or rootfs/ bound onto itself (readonly: true).
# When the same image appeared earlier, linuxkit extracts it only once and runtime.json points at
# that copy (lowerdir=… or the bind "source"), so those are read from runtime.json.
prepare() {
	b=$1
	rt=$b/runtime.json
	lower=$(runtime_value 'lowerdir=/containers/[^,"]*' "$rt")
	lower=${lower#lowerdir=}
	[ -z "$lower" ] && [ -d "$b/lower" ] && lower=$b/lower
	if [ -n "$lower" ]; then
		load_overlay || return 1
		mkdir -p "$b/tmp" "$b/rootfs"
		mount -t tmpfs tmpfs "$b/tmp" || return 1
		mount --make-private "$b/tmp"
		mkdir -p "$b/tmp/upper" "$b/tmp/work"
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$b/tmp/upper,workdir=$b/tmp/work" "$b/rootfs" || return 1
	else
		src=$(runtime_value '"source"[[:space:]]*:[[:space:]]*"/containers/[^"]*"' "$rt" | sed 's/.*"\(\/containers\/[^"]*\)"$/\1/')
		mount --bind "${src:-$b/rootfs}" "$b/rootfs" || return 1
	fi
	runtime_mkdirs "$rt" | while IFS= read -r d; do
		mkdir -p "$d"
	done
}

# run_bundle DIR TAG runs one bundle in the foreground and prints "TAG rc=<rc> id=<name>".
run_bundle() {
	b=$1
	n=${b##*/}
	if prepare "$b"; then
		runc run --bundle "$b" "$n" </dev/null
		rc=$?
	else
		echo "FIXTURE-INIT cannot prepare $b"
		rc=125
	fi
	echo "$2 rc=$rc id=$n"
}

for b in /containers/onboot/*; do
	[ -d "$b" ] && run_bundle "$b" RUNC-DONE
done
echo "ONBOOT-DONE"

pids=""
for b in /containers/services/*; do
	[ -d "$b" ] || continue
	run_bundle "$b" SERVICE-DONE &
	pids="$pids $!"
done
if [ -n "$pids" ]; then
	t=$(cmdline fixture.service_timeout 10)
	(sleep "$t" && echo "SERVICES-TIMEOUT after ${t}s" && poweroff -f) &
	watchdog=$!
	wait $pids
	kill "$watchdog" 2>/dev/null
	echo "SERVICES-DONE"
fi

for b in /containers/onshutdown/*; do
	[ -d "$b" ] && run_bundle "$b" RUNC-DONE
done

if [ "$(cmdline fixture.hold 0)" = 1 ]; then
	echo "FIXTURE-INIT holding"
	while :; do sleep 3600; done
fi
echo "FIXTURE-INIT poweroff"
sync
poweroff -f
