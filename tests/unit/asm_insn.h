/*
 * asm_insn.h - instruction bytes for decoder tests, produced by the host
 * assembler from the text written next to each case, so each case reads
 * as the instruction it is (test_insn.c, test_ptwr.c, test_umip.c).
 */
#ifndef TESTS_UNIT_ASM_INSN_H
#define TESTS_UNIT_ASM_INSN_H

/* Assemble text into read-only data between name and name_end. */
#define INSN(name, text)						\
	__asm__(".pushsection .rodata\n"				\
		".globl " #name "\n.hidden " #name "\n" #name ":\n\t"	\
		text "\n"						\
		".globl " #name "_end\n.hidden " #name "_end\n" #name "_end:\n" \
		".popsection\n");					\
	extern const u8 name[], name##_end[]

/* Register encoding numbers. */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

#endif /* TESTS_UNIT_ASM_INSN_H */
