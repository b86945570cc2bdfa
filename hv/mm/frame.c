/*
 * frame.c - the machine frame allocator: one bit per 4 KiB frame.
 *
 * Runs in: hypervisor (single CPU for now, so no lock), and host tests.
 *
 * A set bit means the frame is free. Boot hands over only frames that are
 * usable RAM and not already in use (the hypervisor image, the boot
 * information, the modules, this bitmap), so whatever frame_alloc() returns
 * is safe to overwrite. The bitmap for 4 GiB of RAM is 128 KiB; a search
 * starts where the last one ended, so a run of allocations is linear, not
 * quadratic. Freeing a frame that is already free, or one beyond the end
 * of RAM, is a hypervisor bug and stops the machine: a double free would
 * hand one frame to two owners, the worst thing a hypervisor can do.
 */
#include "hv.h"
#include "mm/frame.h"

static u64 *bits;
static u64 nr_frames;	/* frames the bitmap covers: highest RAM mfn + 1 */
static u64 nr_free;
static u64 nr_managed;	/* frames ever handed to the allocator */
static u64 next_hint;

static bool test_bit(u64 i)
{
	return bits[i / 64] & (1ULL << (i % 64));
}

static void set_bit(u64 i)
{
	bits[i / 64] |= 1ULL << (i % 64);
}

static void clear_bit(u64 i)
{
	bits[i / 64] &= ~(1ULL << (i % 64));
}

void frame_init(u64 *bitmap, u64 frames)
{
	bits = bitmap;
	nr_frames = frames;
	nr_free = nr_managed = next_hint = 0;
	memset(bits, 0, frame_bitmap_bytes(frames));
}

/* Hand a run of frames to the allocator (boot only). */
void frame_add_free(mfn_t first, u64 count)
{
	BUG_ON(first + count > nr_frames || first + count < first);
	for (u64 i = first; i < first + count; i++) {
		BUG_ON(test_bit(i));
		set_bit(i);
	}
	nr_free += count;
	nr_managed += count;
}

/* One frame, or INVALID_MFN when memory is exhausted. */
mfn_t frame_alloc(void)
{
	u64 words = DIV_ROUND_UP(nr_frames, 64);

	for (u64 n = 0; n <= words; n++) {
		u64 w = (next_hint / 64 + n) % words;

		if (bits[w]) {
			u64 i = w * 64 + (u64)__builtin_ctzll(bits[w]);

			clear_bit(i);
			nr_free--;
			next_hint = i;
			return i;
		}
	}
	return INVALID_MFN;
}

/* count physically contiguous frames, the first a multiple of align. */
mfn_t frame_alloc_contig(u64 count, u64 align)
{
	u64 run = 0;

	if (count == 0 || align == 0)
		return INVALID_MFN;
	for (u64 i = 0; i < nr_frames; i++) {
		/* A word with no free frame ends any run: skip it whole. */
		if (i % 64 == 0 && bits[i / 64] == 0) {
			run = 0;
			i += 63;
			continue;
		}
		if (run == 0 && i % align != 0)
			continue;
		if (!test_bit(i)) {
			run = 0;
			continue;
		}
		if (++run == count) {
			u64 first = i + 1 - count;

			for (u64 j = first; j <= i; j++)
				clear_bit(j);
			nr_free -= count;
			return first;
		}
	}
	return INVALID_MFN;
}

void frame_free(mfn_t mfn)
{
	if (mfn >= nr_frames || test_bit(mfn))
		panic("frame_free: mfn 0x%llx is %s", (unsigned long long)mfn,
		      mfn >= nr_frames ? "not RAM" : "already free");
	set_bit(mfn);
	nr_free++;
}

void frame_free_contig(mfn_t first, u64 count)
{
	for (u64 i = 0; i < count; i++)
		frame_free(first + i);
}

bool frame_is_free(mfn_t mfn)
{
	return mfn < nr_frames && test_bit(mfn);
}

u64 frame_nr_free(void)
{
	return nr_free;
}

u64 frame_nr_total(void)
{
	return nr_managed;
}
