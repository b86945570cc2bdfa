OBJS := main.o attack.o
