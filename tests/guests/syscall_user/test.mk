OBJS := main.o user.o
TEST_CFLAGS := -fpie -mcmodel=small
