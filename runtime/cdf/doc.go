// Package cdf reads NASA Common Data Format (CDF) files, the format of
// most space-physics data (CDAWeb, ISTP), in pure Go.
//
// It follows "CDF Internal Format Description" (version 3.x), NASA
// Goddard Space Flight Center, Space Physics Data Facility.
//
// # What it reads
//
//   - CDF 3 files (magic CDF30001) and CDF 2 files (2.6 and 2.7, magic
//     CDF26002; 2.0 to 2.5 are parsed as documented but untested),
//     single-file format, row- or column-major; values are always returned
//     row-major (last dimension fastest).
//   - Encodings with IEEE floating point: NETWORK/XDR and the other
//     big-endian ones (SUN, SGi, IBMRS, PPC, HP, NeXT, ARM_BIG), and the
//     little-endian ones (IBMPC, DECSTATION, ALPHAOSF1, ALPHAVMSi,
//     ARM_LITTLE, IA64VMSi).
//   - All data types: INT1/2/4/8, UINT1/2/4, BYTE, REAL4/8, FLOAT, DOUBLE,
//     CHAR, UCHAR, and the times EPOCH, EPOCH16 and TIME_TT2000.
//   - rVariables and zVariables, record and dimension variance, global
//     and variable attributes (FILLVAL, DEPEND_0, UNITS, ...).
//   - Variable records in VVRs and compressed CVVRs, reached through VXR
//     lists and trees of any depth; GZIP and RLE compression of variables
//     and of the whole file (CCR).
//   - Records never written (sparse records, gaps between VXR entries):
//     NaN, "" or the zero time, or the previous record for a variable with
//     "previous" sparse records.
//
// TIME_TT2000 is converted to UTC with a built-in leap-second table that
// ends with the leap second of 2017-01-01 (see leapTable); times inside a
// leap second are clamped to 23:59:59.999999999. Fill values are returned
// as stored by Var.Float64s; Var.MaskedFloat64s turns the FILLVAL ones
// into NaN.
//
// # What it refuses
//
// Each refusal is an error wrapping ErrUnsupported: VAX and other
// non-IEEE encodings (VAX, ALPHAVMSd/g, IA64VMSd/g), Huffman and adaptive
// Huffman compression, multi-file CDFs (data in .v0/.z0 files), and
// variables larger than 1 GiB decoded. Malformed or truncated files give
// errors wrapping ErrFormat, never a panic; every size read from the file
// is checked against the file's size before memory is allocated.
// Checksums (MD5) are not verified.
package cdf
