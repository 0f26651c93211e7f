#!/bin/sh
# Syntax-check every sample's pre/ and fix/ trees with gcc -fsyntax-only.
#
# Each tree is compiled with the project's own headers from that tree plus a
# forced stub header (samples/include/<project>-stubs.h) standing in for the
# generic kernel/hypervisor primitives.  Includes the sample does not carry
# (e.g. <xen/lib.h>) are satisfied by empty files in a scratch directory.
#
# usage: samples/check.sh [sample-dir...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
[ $# -eq 0 ] && set -- "$here"/[0-9][0-9][0-9]-*/
for sample in "$@"; do
    sample=$(cd "${sample%/}" && pwd)
    for ver in pre fix; do
        tree="$sample/$ver"
        [ -d "$tree" ] || continue
        if [ -d "$tree/xen" ]; then proj=xen
        elif [ -d "$tree/virt" ] || [ -d "$tree/include/linux" ]; then proj=linux
        else proj=qemu; fi
        scratch=$(mktemp -d)
        incs="-I$scratch"
        [ -d "$tree/xen/include" ] && incs="$incs -I$tree/xen/include"
        [ -d "$tree/xen/include/asm-arm" ] && ln -s "$tree/xen/include/asm-arm" "$scratch/asm"
        [ -d "$tree/xen/include/asm-x86" ] && ln -s "$tree/xen/include/asm-x86" "$scratch/asm"
        [ -d "$tree/include" ] && incs="$incs -I$tree/include"
        incs="$incs -I$tree"
        # empty stand-ins for headers the sample does not carry
        grep -ho '#include <[^>]*>' $(find "$tree" -name '*.[ch]') | sed 's/#include <\(.*\)>/\1/' | sort -u |
        while read -r h; do
            found=
            for d in "$tree/xen/include" "$tree/include" "$tree" "$scratch"; do
                [ -e "$d/$h" ] && found=1
            done
            if [ -z "$found" ]; then mkdir -p "$scratch/$(dirname "$h")"; : > "$scratch/$h"; fi
        done
        for c in $(find "$tree" -name '*.c' | sort); do
            if ! gcc -std=gnu11 -fsyntax-only -Wall -Wno-unused-function -Wno-unused-variable \
                    -Wno-unused-but-set-variable -Wno-format -include "$here/include/$proj-stubs.h" \
                    $incs "$c"; then
                echo "FAIL: $c"; status=1
            fi
        done
        rm -rf "$scratch"
    done
done
# fix.patch must turn pre/ into fix/, bug.patch fix/ into pre/
for sample in "$@"; do
    sample=$(cd "${sample%/}" && pwd)
    for pair in "fix pre fix" "bug fix pre"; do
        set -- $pair
        [ -f "$sample/$1.patch" ] || { echo "MISSING: $sample/$1.patch"; status=1; continue; }
        scratch=$(mktemp -d)
        cp -r "$sample/$2/." "$scratch/"
        if ! (cd "$scratch" && git apply --whitespace=nowarn "$sample/$1.patch") ||
           ! diff -r "$scratch" "$sample/$3" >/dev/null; then
            echo "FAIL: $sample/$1.patch does not turn $2/ into $3/"; status=1
        fi
        rm -rf "$scratch"
    done
done
[ $status -eq 0 ] && echo "samples: all trees pass gcc -fsyntax-only; all patches apply exactly"
exit $status
