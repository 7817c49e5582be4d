/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * version.h - the release of algfs, shown by every program's --version and
 * by algfsctl info.  (The volume format has its own number, in format.h.)
 */
#ifndef ALGFS_VERSION_H
#define ALGFS_VERSION_H

#define ALGFS_VERSION "1.2.0"

#endif /* ALGFS_VERSION_H */
