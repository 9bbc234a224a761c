package cdf

import "fmt"

// DataType is a CDF data type code as stored in the file.
type DataType int32

// The CDF data types. FLOAT and DOUBLE are the same as REAL4 and REAL8;
// BYTE is a signed byte like INT1.
const (
	Int1    DataType = 1
	Int2    DataType = 2
	Int4    DataType = 4
	Int8    DataType = 8
	Uint1   DataType = 11
	Uint2   DataType = 12
	Uint4   DataType = 14
	Real4   DataType = 21
	Real8   DataType = 22
	Epoch   DataType = 31 // float64 milliseconds since 0000-01-01T00:00:00
	Epoch16 DataType = 32 // two float64: seconds since 0000-01-01, picoseconds
	TT2000  DataType = 33 // int64 nanoseconds since J2000 (2000-01-01T12:00:00 TT)
	Byte    DataType = 41
	Float   DataType = 44
	Double  DataType = 45
	Char    DataType = 51
	Uchar   DataType = 52
)

var typeNames = map[DataType]string{
	Int1: "CDF_INT1", Int2: "CDF_INT2", Int4: "CDF_INT4", Int8: "CDF_INT8",
	Uint1: "CDF_UINT1", Uint2: "CDF_UINT2", Uint4: "CDF_UINT4",
	Real4: "CDF_REAL4", Real8: "CDF_REAL8",
	Epoch: "CDF_EPOCH", Epoch16: "CDF_EPOCH16", TT2000: "CDF_TIME_TT2000",
	Byte: "CDF_BYTE", Float: "CDF_FLOAT", Double: "CDF_DOUBLE",
	Char: "CDF_CHAR", Uchar: "CDF_UCHAR",
}

// String returns the CDF name of the type, such as "CDF_REAL4".
func (t DataType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("CDF data type %d", int32(t))
}

// Size returns the bytes one element of the type takes, or 0 for an
// unknown type.
func (t DataType) Size() int {
	switch t {
	case Int1, Uint1, Byte, Char, Uchar:
		return 1
	case Int2, Uint2:
		return 2
	case Int4, Uint4, Real4, Float:
		return 4
	case Int8, Real8, Double, Epoch, TT2000:
		return 8
	case Epoch16:
		return 16
	}
	return 0
}

// IsText reports whether the type holds characters.
func (t DataType) IsText() bool { return t == Char || t == Uchar }

// isTime reports whether the type is one of the three epoch types.
func (t DataType) isTime() bool { return t == Epoch || t == Epoch16 || t == TT2000 }

// Encoding is the CDF data encoding code from the file's CDR. It decides
// the byte order and floating-point format of values; the internal records
// themselves are always big-endian.
type Encoding int32

// The CDF encodings.
const (
	Network    Encoding = 1
	Sun        Encoding = 2
	Vax        Encoding = 3
	DECStation Encoding = 4
	SGi        Encoding = 5
	IBMPC      Encoding = 6
	IBMRS      Encoding = 7
	PPC        Encoding = 9
	HP         Encoding = 11
	NeXT       Encoding = 12
	AlphaOSF1  Encoding = 13
	AlphaVMSd  Encoding = 14
	AlphaVMSg  Encoding = 15
	AlphaVMSi  Encoding = 16
	ARMLittle  Encoding = 17
	ARMBig     Encoding = 18
	IA64VMSi   Encoding = 19
	IA64VMSd   Encoding = 20
	IA64VMSg   Encoding = 21
)

var encodingNames = map[Encoding]string{
	Network: "NETWORK", Sun: "SUN", Vax: "VAX", DECStation: "DECSTATION",
	SGi: "SGi", IBMPC: "IBMPC", IBMRS: "IBMRS", PPC: "PPC", HP: "HP",
	NeXT: "NeXT", AlphaOSF1: "ALPHAOSF1", AlphaVMSd: "ALPHAVMSd",
	AlphaVMSg: "ALPHAVMSg", AlphaVMSi: "ALPHAVMSi", ARMLittle: "ARM_LITTLE",
	ARMBig: "ARM_BIG", IA64VMSi: "IA64VMSi", IA64VMSd: "IA64VMSd",
	IA64VMSg: "IA64VMSg",
}

// String returns the CDF name of the encoding, such as "NETWORK".
func (e Encoding) String() string {
	if s, ok := encodingNames[e]; ok {
		return s
	}
	return fmt.Sprintf("CDF encoding %d", int32(e))
}

// bigEndian reports the byte order of an IEEE encoding; ok is false for
// the VAX floating-point encodings and unknown codes, which this reader
// does not decode.
func (e Encoding) bigEndian() (big, ok bool) {
	switch e {
	case Network, Sun, SGi, IBMRS, PPC, HP, NeXT, ARMBig:
		return true, true
	case DECStation, IBMPC, AlphaOSF1, AlphaVMSi, ARMLittle, IA64VMSi:
		return false, true
	}
	return false, false
}

// Sparse is a variable's sparse-records mode: what a record that was never
// written reads as.
type Sparse int32

// The sparse-record modes.
const (
	NoSparse   Sparse = 0 // unwritten records read as the pad value
	PadSparse  Sparse = 1 // unwritten records read as the pad value
	PrevSparse Sparse = 2 // unwritten records repeat the previous written record
)

// Internal record types (the RecordType field of each internal record).
const (
	rtCDR   = 1
	rtGDR   = 2
	rtRVDR  = 3
	rtADR   = 4
	rtAgrED = 5
	rtVXR   = 6
	rtVVR   = 7
	rtZVDR  = 8
	rtAzED  = 9
	rtCCR   = 10
	rtCPR   = 11
	rtSPR   = 12
	rtCVVR  = 13
)

// Compression codes (cType of a CPR).
const (
	cNone    = 0
	cRLE     = 1
	cHuffman = 2
	cAHuff   = 3
	cGZIP    = 5
)

func compressionName(c int32) string {
	switch c {
	case cNone:
		return "none"
	case cRLE:
		return "RLE"
	case cHuffman:
		return "Huffman"
	case cAHuff:
		return "adaptive Huffman"
	case cGZIP:
		return "GZIP"
	}
	return fmt.Sprintf("compression %d", c)
}
