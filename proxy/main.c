/* main.c — placeholder until the gateway lands. */
#include <stdio.h>
int main(void) { puts("distgate " DISTGATE_VERSION); return 0; }
