package aleatoric

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PoolAllocator is a memory.Allocator that recycles freed Arrow buffers by power-of-two
// size class instead of leaving them to the garbage collector. Reading a table allocates
// the same buffer sizes batch after batch, so after the first batches nearly every
// allocation is a reuse; this cuts GC work substantially. Buffers are zeroed when handed out, like
// memory.GoAllocator's, and 64-byte aligned.
//
// Freed buffers must not be used again: release record batches only when done with them
// (slices taken from a batch's arrays die with it).
type PoolAllocator struct {
	classes [48]sync.Pool
}

var _ memory.Allocator = (*PoolAllocator)(nil)

// NewPoolAllocator returns an empty pool.
func NewPoolAllocator() *PoolAllocator { return &PoolAllocator{} }

const minClass = 6 // 64 bytes

func sizeClass(size int) int {
	if size <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(size - 1))
}

// Allocate returns a zeroed buffer of size bytes.
func (p *PoolAllocator) Allocate(size int) []byte {
	c := sizeClass(size)
	if c >= len(p.classes) {
		return memory.DefaultAllocator.Allocate(size)
	}
	if v := p.classes[c].Get(); v != nil {
		b := (*v.(*[]byte))[:size]
		clear(b)
		return b
	}
	n := 1 << c
	raw := make([]byte, n+64)
	shift := int((64 - uintptr(unsafe.Pointer(&raw[0]))%64) % 64)
	return raw[shift : shift+size : shift+n]
}

// Reallocate grows b to size bytes, keeping its contents.
func (p *PoolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free returns b to its size class; buffers not from this pool are left to the GC.
func (p *PoolAllocator) Free(b []byte) {
	c := cap(b)
	if c < 1<<minClass || c&(c-1) != 0 {
		return
	}
	class := bits.Len(uint(c)) - 1
	if class >= len(p.classes) {
		return
	}
	full := b[:c]
	p.classes[class].Put(&full)
}
