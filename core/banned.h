/*
 * banned.h - libc functions Jiyue does not use, turned into compile errors
 * (git banned.h). Use jy_buf, snprintf, strtok_r, gmtime_r and localtime_r.
 */
#ifndef JY_CORE_BANNED_H
#define JY_CORE_BANNED_H

#define JY_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) JY_BANNED(strcpy)
#undef strcat
#define strcat(x, y) JY_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) JY_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) JY_BANNED(strncat)
#undef sprintf
#define sprintf(...) JY_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) JY_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) JY_BANNED(strtok)
#undef gmtime
#define gmtime(t) JY_BANNED(gmtime)
#undef localtime
#define localtime(t) JY_BANNED(localtime)
#undef asctime
#define asctime(t) JY_BANNED(asctime)
#undef ctime
#define ctime(t) JY_BANNED(ctime)
#undef gets
#define gets(s) JY_BANNED(gets)

#endif /* JY_CORE_BANNED_H */
