#!/bin/sh
# Builds the Python the Linux kit brings (installer/runtime.py runs this inside a Debian 11
# chroot, glibc 2.31, with the network cut off; the sources are already in /build/src).
#
#   OpenSSL and SQLite: static, position-independent, linked into _ssl/_hashlib/_sqlite3,
#     so no library of the PC's own can clash with them (a desktop has its own libssl3);
#     OpenSSL without DSO or modules: it loads nothing at run time.
#   libffi: Debian's libffi_pic.a, for the same reason (UOS 20 has libffi6, Debian 12 libffi8).
#   zlib, bz2, lzma, uuid: the PC's own (every Debian, UOS and Kylin has them).
#   glibc: nothing newer than $GLIBC_MAX may be needed, checked on every ELF file at the end;
#     the libm functions glibc 2.29 versioned anew are bound to their old versions, and
#     sem_clockwait (2.30) is left out (CPython then waits with sem_timedwait).
#
# Out: /build/out/runtime.tar.gz (bin/, lib/, kebao-runtime.json; relocatable: Python finds
# its library from where its executable is).
set -eu

: "${PYTHON_VERSION:?}" "${OPENSSL_VERSION:?}" "${SQLITE_VERSION:?}" "${GLIBC_MAX:?}"
JOBS=$(($(nproc) + 1))
SRC=/build/src
WORK=/build/work
DEPS=/build/deps
PREFIX=/opt/kebao-python
STAGE=/build/stage
rm -rf "$WORK" "$DEPS" "$STAGE" /build/out
mkdir -p "$WORK" "$DEPS/include" "$DEPS/lib" /build/out
export LC_ALL=C

# exp, exp2, log, log2 and pow got new symbol versions in glibc 2.29; the old ones do the
# same maths (they only also set errno), so bind to those.
cat >"$DEPS/glibc-compat.h" <<'EOF'
#ifndef __ASSEMBLER__
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver exp2,exp2@GLIBC_2.2.5");
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver log2,log2@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
#endif
EOF
COMPAT="-include$DEPS/glibc-compat.h"

echo "== OpenSSL $OPENSSL_VERSION"
cd "$WORK" && tar -xzf "$SRC/openssl-$OPENSSL_VERSION.tar.gz" && cd "openssl-$OPENSSL_VERSION"
# /etc/ssl: where Debian, UOS and Kylin keep their CA certificates (certs/ and cert.pem).
./Configure linux-x86_64 no-shared no-dso no-module no-legacy no-tests no-docs -fPIC "$COMPAT" \
	--prefix="$DEPS" --libdir=lib --openssldir=/etc/ssl >/dev/null
make -j"$JOBS" build_libs >/dev/null
make install_dev >/dev/null

echo "== SQLite $SQLITE_VERSION"
cd "$WORK" && tar -xJf "$SRC/sqlite-$SQLITE_VERSION.tar.xz" && cd "sqlite3-$SQLITE_VERSION"
./configure --disable-tcl >/dev/null
make sqlite3.c >/dev/null
# Debian's own choice of features, so the library behaves as the developers' one does.
gcc -O2 -fPIC $COMPAT -c sqlite3.c -o sqlite3.o \
	-DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 \
	-DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_MATH_FUNCTIONS \
	-DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_UNLOCK_NOTIFY \
	-DSQLITE_SECURE_DELETE -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_THREADSAFE=1
ar rcs "$DEPS/lib/libsqlite3.a" sqlite3.o
cp sqlite3.h sqlite3ext.h "$DEPS/include/"

echo "== CPython $PYTHON_VERSION"
cd "$WORK" && tar -xJf "$SRC/Python-$PYTHON_VERSION.tar.xz" && cd "Python-$PYTHON_VERSION"
./configure --prefix="$PREFIX" --without-ensurepip --disable-test-modules \
	--with-openssl="$DEPS" --with-openssl-rpath=no \
	CFLAGS="$COMPAT" ac_cv_func_sem_clockwait=no \
	LIBFFI_CFLAGS="" LIBFFI_LIBS="-l:libffi_pic.a" \
	LIBSQLITE3_CFLAGS="-I$DEPS/include" LIBSQLITE3_LIBS="-L$DEPS/lib -lsqlite3 -lm -lpthread" \
	>/dev/null
make -j"$JOBS" >/build/out/make.log 2>&1 || {
	tail -n 30 /build/out/make.log
	exit 1
}
# Every module Kebao and its libraries import must have been built.
if ! ./python -c 'import ssl, hashlib, sqlite3, ctypes, zlib, bz2, lzma, uuid, decimal, _uuid; hashlib.sha256(); sqlite3.connect(":memory:").execute("create virtual table t using fts5(x, tokenize=\"trigram\")")'; then
	sed -n '/necessary bits to build/,/^$/p; /Failed to build these modules/,/^$/p; /removed because they could not be imported/,/^$/p' /build/out/make.log
	exit 1
fi
make install DESTDIR="$STAGE" COMPILEALL_OPTS="-j0" >/dev/null

echo "== trim and check"
R=$STAGE$PREFIX
V=${PYTHON_VERSION%.*}
rm -rf "$R/include" "$R/share" "$R/lib/pkgconfig" "$R/lib/libpython$V.a" \
	"$R/lib/python$V/config-$V-x86_64-linux-gnu/libpython$V.a" \
	"$R/lib/python$V/idlelib" "$R/lib/python$V/tkinter" "$R/lib/python$V/turtledemo" \
	"$R/lib/python$V/ensurepip" "$R/lib/python$V/lib2to3"
find "$R/bin" -mindepth 1 ! -name "python3" ! -name "python$V" -exec rm -f {} +
# -O and -OO byte code: nothing runs with them; the plain .pyc stays (a fast first start).
find "$R/lib" -name '*.opt-[12].pyc' -delete
find "$R" -type f \( -name '*.so' -o -name "python$V" \) -exec strip --strip-unneeded {} +

newest=$(find "$R" -type f \( -name '*.so*' -o -perm -u+x \) -exec sh -c 'file -b "$1" | grep -q ^ELF && objdump -T "$1"' _ {} \; |
	grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC_MAX" | sort -V | tail -n 1)" != "$GLIBC_MAX" ]; then
	echo "the runtime needs glibc $newest, newer than $GLIBC_MAX:" >&2
	find "$R" -type f -name '*.so*' -exec sh -c 'objdump -T "$1" | grep -q "GLIBC_'"$newest"'" && echo "$1"' _ {} \; >&2
	exit 1
fi

cat >"$R/kebao-runtime.json" <<EOF
{"python": "$PYTHON_VERSION", "glibc": "$GLIBC_MAX", "glibc_needed": "$newest",
 "openssl": "$OPENSSL_VERSION", "sqlite": "$SQLITE_VERSION", "built_on": "$(. /etc/os-release && echo "$PRETTY_NAME")"}
EOF
tar -C "$R" --owner=0 --group=0 --numeric-owner -czf /build/out/runtime.tar.gz .
echo "== done: glibc $newest, $(du -sh "$R" | cut -f1) unpacked"
