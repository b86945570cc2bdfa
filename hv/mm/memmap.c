/*
 * memmap.c - sets of physical address ranges.
 *
 * Runs in: hypervisor at boot, and host tests. No allocation: a memmap is a
 * fixed array of at most MEMMAP_MAX ranges kept sorted and merged, so every
 * query is a simple scan. Boot uses it to turn the firmware's memory map
 * (which may list overlapping or unsorted entries) into "usable RAM minus
 * everything in use", the pool handed to the frame allocator, and to carve
 * the allocator's own bitmap out of that pool before the allocator exists.
 */
#include "hv.h"
#include "mm/memmap.h"

void memmap_init(struct memmap *m)
{
	m->n = 0;
}

static void remove_at(struct memmap *m, int i)
{
	memmove(&m->r[i], &m->r[i + 1], (size_t)(m->n - i - 1) * sizeof(m->r[0]));
	m->n--;
}

static int insert_at(struct memmap *m, int i, u64 start, u64 end)
{
	if (m->n == MEMMAP_MAX)
		return -1;
	memmove(&m->r[i + 1], &m->r[i], (size_t)(m->n - i) * sizeof(m->r[0]));
	m->r[i].start = start;
	m->r[i].end = end;
	m->n++;
	return 0;
}

/* Add [start, end), merging with every range it touches. -1 if full. */
int memmap_add(struct memmap *m, u64 start, u64 end)
{
	int i = 0;

	if (start >= end)
		return 0;
	while (i < m->n && m->r[i].end < start)
		i++;
	/* Absorb every range that overlaps or touches [start, end). */
	while (i < m->n && m->r[i].start <= end) {
		start = MIN(start, m->r[i].start);
		end = MAX(end, m->r[i].end);
		remove_at(m, i);
	}
	return insert_at(m, i, start, end);
}

/* Take [start, end) out. -1 if splitting a range needs a slot there is not. */
int memmap_remove(struct memmap *m, u64 start, u64 end)
{
	if (start >= end)
		return 0;
	for (int i = 0; i < m->n; i++) {
		struct mem_range *r = &m->r[i];

		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) {
			/* Hole in the middle: split in two. */
			u64 old_end = r->end;

			r->end = start;
			return insert_at(m, i + 1, end, old_end);
		}
		if (r->start >= start && r->end <= end) {
			remove_at(m, i--);
		} else if (r->start < start) {
			r->end = start;
		} else {
			r->start = end;
		}
	}
	return 0;
}

/* Shrink every range to whole pages, dropping those left empty. */
void memmap_trim_to_pages(struct memmap *m)
{
	for (int i = 0; i < m->n; i++) {
		u64 s = ALIGN_UP(m->r[i].start, PAGE_SIZE);
		u64 e = ALIGN_DOWN(m->r[i].end, PAGE_SIZE);

		if (s >= e) {
			remove_at(m, i--);
			continue;
		}
		m->r[i].start = s;
		m->r[i].end = e;
	}
}

u64 memmap_total(const struct memmap *m)
{
	u64 t = 0;

	for (int i = 0; i < m->n; i++)
		t += m->r[i].end - m->r[i].start;
	return t;
}

/* The end of the highest range: how far the map reaches. */
u64 memmap_end(const struct memmap *m)
{
	return m->n ? m->r[m->n - 1].end : 0;
}

/* Is all of [start, end) inside one range? */
bool memmap_contains(const struct memmap *m, u64 start, u64 end)
{
	for (int i = 0; i < m->n; i++) {
		if (m->r[i].start <= start && end <= m->r[i].end)
			return true;
	}
	return false;
}

bool memmap_overlaps(const struct memmap *m, u64 start, u64 end)
{
	for (int i = 0; i < m->n; i++) {
		if (m->r[i].start < end && start < m->r[i].end)
			return true;
	}
	return false;
}

/*
 * Find size bytes aligned to align, ending at or below limit, take them out
 * of the map and return their start. Takes the lowest fit: boot-time carving
 * then stays clear of the high memory that domains will want.
 */
bool memmap_carve(struct memmap *m, u64 size, u64 align, u64 limit, u64 *out)
{
	for (int i = 0; i < m->n; i++) {
		u64 s = ALIGN_UP(m->r[i].start, align);

		if (s < m->r[i].start || s + size < s)
			continue;	/* wrapped */
		if (s + size <= m->r[i].end && s + size <= limit) {
			if (memmap_remove(m, s, s + size) < 0)
				return false;
			*out = s;
			return true;
		}
	}
	return false;
}
