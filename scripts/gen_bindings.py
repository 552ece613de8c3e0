#!/usr/bin/env python3
"""Generates lora4j's FFM bindings (Java 25, no JNI) from native/include/lora4j.h.

jextract, the JDK's binding generator, cannot be had from this project's package registries, so this
script does its job for our one small header: it parses the header with libclang (the front end
jextract itself uses, from the `libclang` pip package pinned in scripts/requirements.txt) and writes
Java in jextract's shape, so code written against these bindings also works against jextract's.

Outputs (both committed; see bindings/README.md):
  bindings/src/main/java/dev/lora4j/bindings/lora4j_h.java
  bindings/includes.txt   (the emitted symbols as a jextract argument file)

Usage:
  <venv>/bin/python scripts/gen_bindings.py           # regenerate
  <venv>/bin/python scripts/gen_bindings.py --check   # exit 1 if the committed files are stale

The generator knows a deliberately small set of C types and fails loudly on anything else, so that a
new kind of declaration in the header is a conscious decision here rather than silently wrong Java.
"""

import argparse
import difflib
import os
import re
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HEADER = os.path.join(REPO_ROOT, "native", "include", "lora4j.h")
DEFAULT_JAVA_ROOT = os.path.join(REPO_ROOT, "bindings", "src", "main", "java")
DEFAULT_INCLUDES = os.path.join(REPO_ROOT, "bindings", "includes.txt")
DEFAULT_PACKAGE = "dev.lora4j.bindings"
DEFAULT_CLASS = "lora4j_h"

# Functions linked with Linker.Option.critical(false). A critical downcall skips the JVM's thread-state
# transition, which makes a tiny call several times cheaper, but while it runs the thread cannot reach a
# safepoint (GC waits for it). So every function here must, in all cases: return in about the time of
# an empty call, never block (no locks that can be contended, no CUDA synchronisation, no I/O), and never
# call back into Java. These are constant-time reads of counters, thread-locals and tensor metadata; the
# shim must keep their error paths as cheap (check a bad handle directly rather than letting libtorch
# throw: unwinding a C++ exception is slow and takes the loader's lock).
# critical(false) also forbids heap segments as arguments: their out-pointers must be native memory.
CRITICAL_FUNCTIONS = (
    "l4j_abi_version",
    "l4j_live_tensors",
    "l4j_live_generators",
    "l4j_live_optimizers",
    "l4j_tensor_ndim",
    "l4j_tensor_shape",
    "l4j_tensor_numel",
    "l4j_tensor_dtype",
    "l4j_tensor_device",
    "l4j_tensor_requires_grad",
    "l4j_tensor_is_contiguous",
    "l4j_is_grad_enabled",
    "l4j_last_error",
)

# Scalar C types we map, by the name the header spells (typedef name or builtin). Mapping by name,
# not by the canonical type, keeps the output identical across platforms (int64_t is `long` on Linux
# but `long long` on Windows and macOS) and matches what the header means. Value: the Java carrier,
# the layout constant in the header class, and the size in bytes the mapping assumes (checked).
SCALAR_TYPES = {
    "int": ("int", "C_INT", 4),
    "int32_t": ("int", "C_INT", 4),
    "int64_t": ("long", "C_LONG_LONG", 8),
    "uint64_t": ("long", "C_LONG_LONG", 8),  # Java has no unsigned long; the bits pass unchanged
    "size_t": ("long", "C_LONG_LONG", 8),    # LP64/LLP64 only; checked against the parsed size
    "double": ("double", "C_DOUBLE", 8),
}
POINTER = ("MemorySegment", "C_POINTER", 8)

# Layout constants of the header class: jextract's set, minus C_LONG and C_LONG_DOUBLE, whose sizes
# differ between Linux and Windows (jextract bakes in the generating host's); the header avoids them.
BUILTIN_LAYOUTS = (
    ("ValueLayout.OfBoolean", "C_BOOL", "ValueLayout.JAVA_BOOLEAN"),
    ("ValueLayout.OfByte", "C_CHAR", "ValueLayout.JAVA_BYTE"),
    ("ValueLayout.OfShort", "C_SHORT", "ValueLayout.JAVA_SHORT"),
    ("ValueLayout.OfInt", "C_INT", "ValueLayout.JAVA_INT"),
    ("ValueLayout.OfLong", "C_LONG_LONG", "ValueLayout.JAVA_LONG"),
    ("ValueLayout.OfFloat", "C_FLOAT", "ValueLayout.JAVA_FLOAT"),
    ("ValueLayout.OfDouble", "C_DOUBLE", "ValueLayout.JAVA_DOUBLE"),
    # As jextract: a returned pointer (e.g. l4j_last_error's const char *) comes back as a segment of
    # unbounded size, so getString(0) works on it without a reinterpret.
    ("AddressLayout", "C_POINTER",
     "ValueLayout.ADDRESS\n"
     "            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE))"),
)
LAYOUT_TYPE = {name: java_type for java_type, name, _ in BUILTIN_LAYOUTS}

JAVA_KEYWORDS = frozenset("""
    abstract assert boolean break byte case catch char class const continue default do double else enum
    extends final finally float for goto if implements import instanceof int interface long native new
    package private protected public return short static strictfp super switch synchronized this throw
    throws transient try void volatile while true false null _ var yield record sealed permits
""".split())

# The header is parsed with -nostdinc against these stand-ins, so the result depends neither on the
# host's libc headers nor on libclang's builtin headers (the pip wheel ships none). The typedefs use
# clang's predefined __*_TYPE__ macros, so the parsed sizes are the target's real ones. An #include of
# anything else fails loudly; add it here if the header ever needs it.
SHIM_HEADERS = {
    "stddef.h": """\
/* gen_bindings.py stand-in for <stddef.h> */
#ifndef GEN_BINDINGS_STDDEF_H
#define GEN_BINDINGS_STDDEF_H
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#define NULL ((void *)0)
#endif
""",
    "stdint.h": """\
/* gen_bindings.py stand-in for <stdint.h> */
#ifndef GEN_BINDINGS_STDINT_H
#define GEN_BINDINGS_STDINT_H
typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
#endif
""",
}

INT_LITERAL = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uU]?[lL]{0,2}|[lL]{1,2}[uU])$")


class BindgenError(Exception):
    """A header construct the generator does not support, or a parse failure."""


def import_cindex():
    try:
        import clang.cindex
    except ImportError as e:
        raise BindgenError(
            "cannot import clang.cindex (%s): run with the project's pinned venv, which has the libclang "
            "pip package (scripts/setup-venv.sh prints its path)" % e)
    return clang.cindex


# ---- parsing ------------------------------------------------------------------------------------------


class Param:
    def __init__(self, name, c_name, c_type, java_type, layout):
        self.name = name            # Java-safe parameter name
        self.c_name = c_name        # as in the header ("" if unnamed), for the javadoc snippet
        self.c_type = c_type        # C spelling, for the javadoc snippet
        self.java_type = java_type
        self.layout = layout


class Function:
    def __init__(self, name, ret_c, ret_java, ret_layout, params, critical):
        self.name = name
        self.ret_c = ret_c
        self.ret_java = ret_java    # "void" for void
        self.ret_layout = ret_layout  # None for void
        self.params = params
        self.critical = critical


class Constant:
    def __init__(self, name, java_type, literal, c_text):
        self.name = name
        self.java_type = java_type  # "int" or "long"
        self.literal = literal      # Java literal text
        self.c_text = c_text


class Typedef:
    def __init__(self, name, c_text, layout):
        self.name = name
        self.c_text = c_text
        self.layout = layout


def c_decl(c_type, name):
    """`int64_t *` + `out` -> `int64_t *out`; `double` + `x` -> `double x` (the header's own style)."""
    return c_type + name if c_type.endswith("*") else c_type + " " + name


def map_type(ci, t, where, allow_void=False):
    """(java type, layout constant) for a parameter or return type; raises on anything unknown."""
    # Since clang 16 a type written by name is wrapped as ELABORATED; look through it.
    while t.kind == ci.TypeKind.ELABORATED:
        t = t.get_named_type()
    if t.kind == ci.TypeKind.TYPEDEF:
        name = t.get_declaration().spelling
        if name in SCALAR_TYPES:
            java_type, layout, size = SCALAR_TYPES[name]
            if t.get_size() != size:
                raise BindgenError("%s: %s is %d bytes here, the mapping to Java %s assumes %d"
                                   % (where, name, t.get_size(), java_type, size))
            return java_type, layout
        # Another typedef (e.g. the opaque handle l4j_tensor): map what it stands for.
        return map_type(ci, t.get_declaration().underlying_typedef_type, where + " (typedef " + name + ")",
                        allow_void)
    if t.kind == ci.TypeKind.POINTER:
        pointee = t.get_pointee()
        if pointee.get_canonical().kind in (ci.TypeKind.FUNCTIONPROTO, ci.TypeKind.FUNCTIONNOPROTO):
            # A callback would need upcall stubs, and could not be on the critical list; not supported.
            raise BindgenError("%s: function pointer type '%s' is not supported" % (where, t.spelling))
        return POINTER[0], POINTER[1]
    if t.kind == ci.TypeKind.INT:
        return checked_builtin(t, "int", where)
    if t.kind == ci.TypeKind.DOUBLE:
        return checked_builtin(t, "double", where)
    if t.kind == ci.TypeKind.VOID and allow_void:
        return "void", None
    raise BindgenError("%s: unsupported C type '%s' (kind %s); add a mapping to scripts/gen_bindings.py "
                       "if it is intended" % (where, t.spelling, t.kind.name))


def checked_builtin(t, name, where):
    java_type, layout, size = SCALAR_TYPES[name]
    if t.get_size() != size:
        raise BindgenError("%s: %s is %d bytes here, expected %d" % (where, name, t.get_size(), size))
    return java_type, layout


def java_param_name(name, index):
    if not name:
        return "x%d" % index  # jextract's name for unnamed parameters
    if name in JAVA_KEYWORDS:
        return name + "_"
    return name


def parse_int_macro(cursor, source):
    """A Constant for `#define NAME <integer>`, None for an empty macro (include guard); raises otherwise."""
    tokens = list(cursor.get_tokens())
    name = cursor.spelling
    body = tokens[1:]
    if not body:
        return None
    # Function-like: the '(' directly follows the name, with no space in between.
    if body[0].spelling == "(" and body[0].extent.start.offset == tokens[0].extent.end.offset:
        raise BindgenError("macro %s: function-like macros are not supported" % name)
    spellings = [tok.spelling for tok in body]
    # The body as written (whitespace collapsed), for the javadoc snippet.
    written = source[body[0].extent.start.offset:body[-1].extent.end.offset].decode("utf-8")
    c_text = "#define %s %s" % (name, " ".join(written.split()))
    inner = spellings
    if len(inner) >= 2 and inner[0] == "(" and inner[-1] == ")":
        inner = inner[1:-1]
    negative = False
    if len(inner) == 2 and inner[0] == "-":
        negative = True
        inner = inner[1:]
    match = INT_LITERAL.match(inner[0]) if len(inner) == 1 else None
    if match is None:
        raise BindgenError("macro %s: only integer constants are supported, got: %s" % (name, c_text))
    digits, suffix = match.group(1), match.group(2)
    if digits.lower().startswith("0x"):
        value = int(digits, 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits, 8)
    else:
        value = int(digits, 10)
    if negative:
        value = -value
    # int unless the C literal is long or the value does not fit, as jextract types `1` as int.
    if "l" not in suffix.lower() and -2**31 <= value < 2**31:
        return Constant(name, "int", str(value), c_text)
    if -2**63 <= value < 2**63:
        return Constant(name, "long", str(value) + "L", c_text)
    raise BindgenError("macro %s: value %d does not fit a Java long" % (name, value))


def parse_header(header, critical=CRITICAL_FUNCTIONS):
    """Parses `header`; returns (constants, typedefs, functions), each in header order."""
    ci = import_cindex()
    header = os.path.abspath(header)
    if not os.path.isfile(header):
        raise BindgenError("header not found: %s" % header)
    with tempfile.TemporaryDirectory(prefix="gen_bindings_shim_") as shim_dir:
        for file_name, text in SHIM_HEADERS.items():
            with open(os.path.join(shim_dir, file_name), "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        args = ["-x", "c", "-std=c11", "-nostdinc", "-I", shim_dir]
        index = ci.Index.create()
        tu = index.parse(header, args=args, options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
        errors = [str(d) for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        if errors:
            raise BindgenError("libclang could not parse %s:\n  %s" % (header, "\n  ".join(errors)))
        return collect(ci, tu, header, critical)


def collect(ci, tu, header, critical):
    constants, typedefs, functions = [], [], []
    with open(header, "rb") as f:
        source = f.read()  # libclang's offsets are in bytes
    cursors = [c for c in tu.cursor.get_children()
               if c.location.file is not None and os.path.abspath(c.location.file.name) == header]
    # Header order, explicitly: libclang lists macros and declarations by position already, but the
    # output must not depend on that.
    cursors.sort(key=lambda c: c.location.offset)
    for c in cursors:
        where = "%s:%d %s" % (os.path.basename(header), c.location.line, c.spelling)
        if c.kind == ci.CursorKind.MACRO_DEFINITION:
            constant = parse_int_macro(c, source)
            if constant is not None:
                constants.append(constant)
        elif c.kind in (ci.CursorKind.INCLUSION_DIRECTIVE, ci.CursorKind.MACRO_INSTANTIATION):
            pass
        elif c.kind == ci.CursorKind.STRUCT_DECL and not c.is_definition():
            pass  # the forward declaration behind an opaque handle typedef
        elif c.kind == ci.CursorKind.TYPEDEF_DECL:
            underlying = c.underlying_typedef_type
            _, layout = map_type(ci, underlying, where)
            typedefs.append(Typedef(c.spelling, "typedef " + c_decl(underlying.spelling, c.spelling), layout))
        elif c.kind == ci.CursorKind.FUNCTION_DECL:
            functions.append(parse_function(ci, c, where, critical))
        else:
            raise BindgenError("%s: unsupported declaration kind %s" % (where, c.kind.name))
    check_names(constants, typedefs, functions, critical)
    return constants, typedefs, functions


def parse_function(ci, c, where, critical):
    if c.is_definition():
        raise BindgenError("%s: function definitions (static inline) have no symbol to link" % where)
    if c.type.kind == ci.TypeKind.FUNCTIONNOPROTO:
        raise BindgenError("%s: declare the parameters; write (void) for none" % where)
    if c.type.is_function_variadic():
        raise BindgenError("%s: variadic functions are not supported" % where)
    ret_java, ret_layout = map_type(ci, c.result_type, where + " return", allow_void=True)
    params = []
    for i, arg in enumerate(c.get_arguments()):
        java_type, layout = map_type(ci, arg.type, "%s parameter %d (%s)" % (where, i, arg.spelling))
        params.append(Param(java_param_name(arg.spelling, i), arg.spelling, arg.type.spelling, java_type, layout))
    return Function(c.spelling, c.result_type.spelling, ret_java, ret_layout, params, c.spelling in critical)


def check_names(constants, typedefs, functions, critical):
    seen = {}
    for kind, items in (("constant", constants), ("typedef", typedefs), ("function", functions)):
        for item in items:
            if item.name in JAVA_KEYWORDS:
                raise BindgenError("%s %s is a Java keyword" % (kind, item.name))
            if item.name in seen:
                # Java would accept some of these (methods, fields and nested classes have separate
                # namespaces) but `name.HANDLE` would then bind to the wrong one; keep names unique.
                raise BindgenError("%s %s clashes with %s %s" % (kind, item.name, seen[item.name], item.name))
            seen[item.name] = kind
    if "SYMBOL_LOOKUP" in seen or any(name in seen for _, name, _ in BUILTIN_LAYOUTS):
        raise BindgenError("a header symbol clashes with a name the header class defines")
    names = set(f.name for f in functions)
    stale = [name for name in critical if name not in names]
    if stale:
        raise BindgenError("CRITICAL_FUNCTIONS names functions the header does not declare: %s"
                           % ", ".join(stale))


# ---- emitting -----------------------------------------------------------------------------------------


def display_path(path):
    """Repository-relative with '/' when inside the repository, so the output is machine-independent."""
    path = os.path.abspath(path)
    rel = os.path.relpath(path, REPO_ROOT)
    if rel.startswith(".."):
        return os.path.basename(path)
    return rel.replace(os.sep, "/")


def emit_java(constants, typedefs, functions, source, package, class_name):
    out = []
    w = out.append
    w("// Generated by scripts/gen_bindings.py from %s. Do not edit: edit the header, then" % source)
    w("// regenerate (see bindings/README.md).")
    w("")
    w("package %s;" % package)
    w("")
    w("import java.lang.foreign.AddressLayout;")
    w("import java.lang.foreign.FunctionDescriptor;")
    w("import java.lang.foreign.Linker;")
    w("import java.lang.foreign.MemoryLayout;")
    w("import java.lang.foreign.MemorySegment;")
    w("import java.lang.foreign.SymbolLookup;")
    w("import java.lang.foreign.ValueLayout;")
    w("import java.lang.invoke.MethodHandle;")
    w("")
    w("/**")
    w(" * Downcalls, constants and layouts for {@code %s}, in jextract's shape." % source)
    w(" *")
    w(" * <p>Each function's symbol is looked up and linked when the function is first used (its holder")
    w(" * class initializes then), so the native library must be loaded with {@code System.load} by a class")
    w(" * of this class loader before the first call, not before this class loads.")
    w(" */")
    # Linking downcalls is restricted (it needs --enable-native-access at run time); that is the point
    # of this class, so javac's lint about it would be 136 warnings of noise.
    w("@SuppressWarnings(\"restricted\")")
    w("public final class %s {" % class_name)
    w("")
    w("    private %s() {" % class_name)
    w("        // static members only")
    w("    }")
    w("")
    w("    // jextract's lookup when no --library is given: libraries loaded through System.load or")
    w("    // System.loadLibrary by this class loader, then the linker's default libraries. It resolves")
    w("    // names when asked, so creating it before the library is loaded is fine.")
    w("    static final SymbolLookup SYMBOL_LOOKUP = SymbolLookup.loaderLookup()")
    w("            .or(Linker.nativeLinker().defaultLookup());")
    w("")
    for java_type, name, value in BUILTIN_LAYOUTS:
        w("    public static final %s %s = %s;" % (java_type, name, value))

    for const in constants:
        w("")
        w("    /**")
        w("     * {@snippet lang=c :")
        w("     * %s" % const.c_text)
        w("     * }")
        w("     */")
        w("    public static %s %s() {" % (const.java_type, const.name))
        w("        return %s;" % const.literal)
        w("    }")

    for td in typedefs:
        w("")
        w("    /**")
        w("     * {@snippet lang=c :")
        w("     * %s" % td.c_text)
        w("     * }")
        w("     */")
        w("    public static final %s %s = %s.%s;" % (LAYOUT_TYPE[td.layout], td.name, class_name, td.layout))

    for fn in functions:
        emit_function(w, fn, class_name)

    w("}")
    return "\n".join(out) + "\n"


def emit_function(w, fn, class_name):
    c_params = ", ".join(c_decl(p.c_type, p.c_name) if p.c_name else p.c_type for p in fn.params) or "void"
    c_text = c_decl(fn.ret_c, fn.name) + "(" + c_params + ")"
    layouts = ["%s.%s" % (class_name, p.layout) for p in fn.params]
    if fn.ret_layout is None:
        desc_call, desc_args = "FunctionDescriptor.ofVoid(", layouts
    else:
        desc_call, desc_args = "FunctionDescriptor.of(", ["%s.%s" % (class_name, fn.ret_layout)] + layouts

    w("")
    w("    private static final class %s {" % fn.name)
    w("        public static final FunctionDescriptor DESC = " + desc_call)
    for i, arg in enumerate(desc_args):
        w("            %s%s" % (arg, "," if i < len(desc_args) - 1 else ");"))
    if not desc_args:
        w("            );")
    w("")
    w("        public static final MemorySegment ADDR = SYMBOL_LOOKUP.findOrThrow(\"%s\");" % fn.name)
    w("")
    if fn.critical:
        # See CRITICAL_FUNCTIONS for why this is legal; critical(false) rejects heap segments.
        w("        // Critical: on the allow-list in scripts/gen_bindings.py; native-memory arguments only.")
        w("        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(")
        w("                ADDR, DESC, Linker.Option.critical(false));")
    else:
        w("        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);")
    w("    }")

    for kind, java_type, what, field in (
            ("descriptor", "FunctionDescriptor", "Function descriptor", "DESC"),
            ("handle", "MethodHandle", "Downcall method handle", "HANDLE"),
            ("address", "MemorySegment", "Address", "ADDR")):
        w("")
        w("    /**")
        w("     * %s for:" % what)
        w("     * {@snippet lang=c :")
        w("     * %s" % c_text)
        w("     * }")
        w("     */")
        w("    public static %s %s$%s() {" % (java_type, fn.name, kind))
        w("        return %s.%s;" % (fn.name, field))
        w("    }")

    java_params = ", ".join("%s %s" % (p.java_type, p.name) for p in fn.params)
    args = ", ".join(p.name for p in fn.params)
    w("")
    w("    /**")
    w("     * {@snippet lang=c :")
    w("     * %s" % c_text)
    w("     * }")
    w("     */")
    w("    public static %s %s(%s) {" % (fn.ret_java, fn.name, java_params))
    w("        var mh$ = %s.HANDLE;" % fn.name)
    w("        try {")
    if fn.ret_java == "void":
        w("            mh$.invokeExact(%s);" % args)
    else:
        w("            return (%s) mh$.invokeExact(%s);" % (fn.ret_java, args))
    # `ex$`, not jextract's `ex`: a C parameter may be called ex, none can contain a '$'.
    w("        } catch (Error | RuntimeException ex$) {")
    w("            throw ex$;")
    w("        } catch (Throwable ex$) {")
    w("            throw new AssertionError(\"should not reach here\", ex$);")
    w("        }")
    w("    }")


def emit_includes(constants, typedefs, functions, source):
    # jextract's --dump-includes format, minus its per-line "# header:" comments; jextract's @argfile
    # reader skips '#' comments, so this file can be passed to jextract as is.
    lines = ["# Generated by scripts/gen_bindings.py from %s. Do not edit." % source,
             "# The symbols the bindings declare, as a jextract argument file (see bindings/README.md)."]
    lines += ["--include-constant " + c.name for c in constants]
    lines += ["--include-typedef " + t.name for t in typedefs]
    lines += ["--include-function " + f.name for f in functions]
    return "\n".join(lines) + "\n"


def generate(header, java_root, includes_path, package=DEFAULT_PACKAGE, class_name=DEFAULT_CLASS,
             critical=CRITICAL_FUNCTIONS):
    """{output path: text} for everything the generator writes, plus counts for the summary line."""
    constants, typedefs, functions = parse_header(header, critical)
    source = display_path(header)
    java_path = os.path.join(java_root, *package.split("."), class_name + ".java")
    files = {
        java_path: emit_java(constants, typedefs, functions, source, package, class_name),
        includes_path: emit_includes(constants, typedefs, functions, source),
    }
    counts = (len(functions), len(constants), len(typedefs))
    return files, counts


# ---- command line -------------------------------------------------------------------------------------


def read_text(path):
    # newline="" so a CRLF checkout counts as a difference rather than being silently normalised.
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv=None, critical=CRITICAL_FUNCTIONS):
    # `critical` is a parameter only so that tests can run main() on headers of their own.
    parser = argparse.ArgumentParser(description="Generate lora4j's FFM bindings from the C header.")
    parser.add_argument("--header", default=DEFAULT_HEADER)
    parser.add_argument("--java-root", default=DEFAULT_JAVA_ROOT, help="source root the package goes under")
    parser.add_argument("--includes", default=DEFAULT_INCLUDES, help="where to write the jextract include list")
    parser.add_argument("--package", default=DEFAULT_PACKAGE)
    parser.add_argument("--class-name", default=DEFAULT_CLASS)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the files on disk differ from what would be generated")
    args = parser.parse_args(argv)

    try:
        files, (n_functions, n_constants, n_typedefs) = generate(
            args.header, args.java_root, args.includes, args.package, args.class_name, critical)
    except BindgenError as e:
        print("gen_bindings: error: %s" % e, file=sys.stderr)
        return 2

    package_dir = os.path.join(args.java_root, *args.package.split("."))
    # Everything in the package is generated; a .java file this run did not produce is stale.
    extra = []
    if os.path.isdir(package_dir):
        extra = sorted(os.path.join(package_dir, name) for name in os.listdir(package_dir)
                       if name.endswith(".java") and os.path.join(package_dir, name) not in files)
    summary = "%d functions, %d constants, %d typedefs" % (n_functions, n_constants, n_typedefs)

    if args.check:
        # In memory, which is what generating into a temporary directory and comparing would amount to.
        differing = []
        for path in sorted(files):
            if not os.path.isfile(path):
                differing.append((path, "missing"))
            elif read_text(path) != files[path]:
                differing.append((path, "differs"))
                diff = difflib.unified_diff(read_text(path).splitlines(True), files[path].splitlines(True),
                                            display_path(path) + " (committed)",
                                            display_path(path) + " (generated)", n=1)
                sys.stderr.writelines(list(diff)[:40])
        differing += [(path, "not generated") for path in extra]
        if differing:
            print("gen_bindings: bindings are out of date with %s; run scripts/gen_bindings.py:"
                  % display_path(args.header), file=sys.stderr)
            for path, why in differing:
                print("  %s (%s)" % (display_path(path), why), file=sys.stderr)
            return 1
        print("gen_bindings: bindings are up to date (%s)" % summary)
        return 0

    for path in sorted(files):
        write_text(path, files[path])
    for path in extra:
        print("gen_bindings: warning: %s was not generated; delete it if it is stale" % display_path(path),
              file=sys.stderr)
    print("gen_bindings: wrote %s (%s)" % (", ".join(display_path(p) for p in sorted(files)), summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
