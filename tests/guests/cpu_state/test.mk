OBJS := main.o low.o
