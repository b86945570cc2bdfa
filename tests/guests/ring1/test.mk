OBJS := main.o user.o
