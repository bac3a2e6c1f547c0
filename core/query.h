/*
 * query.h - the read side of the resource library, for the renderer and
 * the HTTP server: the list of a column, the list of a tag, one item with
 * everything around it, the column tree of a site.
 *
 * Every call is ONE SQL statement (one round trip), served by indexes
 * (schema/0005_placement.sql placement_column_list_idx,
 * schema/0020_import_key.sql item_tag_list_idx; tests/integration/query_test.c
 * checks the plans with EXPLAIN). Results are plain structs whose memory
 * comes from the caller's pool; no database result outlives the call.
 * Strings are UTF-8; a NULL string is a value the row does not have.
 *
 * The list of a column (the corpus semantics, ../shared/bench/README.md):
 *  - a list or topic column lists the published placements in it and in
 *    its descendants, except descendants that reuse another column, each
 *    item once;
 *  - a column that reuses another (共享栏目, site_column.reuse_column_id,
 *    followed along a chain) lists its source's list, live: what is placed
 *    in the province column is on every reusing county list at once. The
 *    reuse filters of every column of the chain apply (reuse_tag_filter,
 *    a tag expression such as 扶贫 AND NOT 通知; reuse_kinds), and so do
 *    the items hidden by any reusing column of the chain
 *    (placement_hidden): hiding is local to the column that hides;
 *  - order: pinned placements (pinned_until in the future) first, by
 *    their sort; then the column's item_order: publish_desc (the default:
 *    published_at newest first), publish_asc (oldest first), sort (the
 *    placements' manual order, then newest) or title (pinyin order, then
 *    newest); ties by item id (highest first, lowest for publish_asc). A
 *    column that reuses another lists in its OWN item_order, not its
 *    source's: the page is the reusing site's and its editors decide how
 *    it reads (set it to sort to follow the source's manual order). The
 *    default order walks an index and stops after the page; the others
 *    read the column's list whole and are meant for short lists;
 *  - paged: page 1 is the first page_size items. Page n costs the items
 *    of the pages before it; a renderer going through every page of a
 *    very long list should keep page sizes large.
 *
 * Read as the system (the owner) every published placement is seen; read
 * as jiyue_app, row-level security applies to every table touched.
 */
#ifndef JY_CORE_QUERY_H
#define JY_CORE_QUERY_H

#include <stdbool.h>

struct cJSON;
struct jy_db;
struct jy_err;
struct jy_pool;

#define JY_QUERY_MAX_PAGE_SIZE 200     /* as site_column.page_size */
#define JY_QUERY_MAX_OFFSET    1000000 /* (page - 1) * page_size */

/* One item of a list. */
struct jy_query_entry {
    long long item_id;
    long long site_id;           /* the item's owning site */
    long long column_id;         /* the column whose placement put it in the list */
    long long primary_column_id; /* the item's home column (its canonical page); 0: none */
    const char *kind;            /* article, policy ... */
    const char *title;
    const char *summary;
    const char *source; /* 信息来源 */
    long long
        published_at; /* Unix seconds: of the placement (column lists), of the item (tag lists) */
    const char
        *pub_date; /* the same as PubDate, "2023-05-16 19:01", in the list site's time zone */
    bool pinned;
};

/* One page of a list. */
struct jy_query_page {
    struct jy_query_entry *v;
    int n;
    int page;      /* 1-based */
    int page_size; /* as used: the column's own when 0 was asked */
    bool has_more; /* another page follows */
};

/*
 * Page `page` (1-based) of the list of column_id (see the top of this
 * file). page_size 0 uses the column's page_size. JY_E_NOT_FOUND when
 * there is no such column, JY_E_INVALID for a page below 1, a size above
 * JY_QUERY_MAX_PAGE_SIZE or an offset above JY_QUERY_MAX_OFFSET, or a tag
 * filter of the chain that does not parse.
 */
int jy_query_column_items(struct jy_db *db, struct jy_pool *pool, long long column_id, int page,
                          int page_size, struct jy_query_page *out, struct jy_err *err);

/*
 * Page `page` of the published items (with a published placement
 * somewhere) tagged tag_id, newest publish_at first, then highest id; all
 * sites, or only the items owned by site_id (0: all). page_size 0 is 20.
 * An unknown tag has an empty list.
 */
int jy_query_tag_items(struct jy_db *db, struct jy_pool *pool, long long tag_id, long long site_id,
                       int page, int page_size, struct jy_query_page *out, struct jy_err *err);

/* A link between two items, seen from the item asked for. */
struct jy_query_relation {
    bool outgoing;     /* this item -> the other (it interprets the other) */
    const char *kind;  /* interprets, amends, repeals, replaces, attachment, related */
    long long item_id; /* the other item */
    const char *item_kind;
    const char *title;
};

enum jy_query_how {
    JY_QUERY_PLACED,   /* a placement of the item (any state) */
    JY_QUERY_CONTAINS, /* a list column above a published placement: it lists its descendants */
    JY_QUERY_REUSED,   /* a column that reuses one of the above and does not filter or hide it */
};

/* A column that shows (or holds) the item. */
struct jy_query_showing {
    enum jy_query_how how;
    long long column_id;
    long long site_id;
    long long via_column_id; /* CONTAINS: the placed column; REUSED: the column reused */
    const char *column_path; /* zwgk/zcwj */
    const char *column_name;
    const char *site_code; /* NULL for a unit */
    const char *site_name;
    const char *state;      /* PLACED: the placement's state; NULL otherwise */
    bool is_primary;        /* PLACED: the item's home column */
    bool pinned;            /* PLACED: pinned now */
    long long published_at; /* PLACED: Unix seconds, 0 when not published */
};

/* An item with its metadata, tags, relations and the columns showing it. */
struct jy_query_item {
    long long id, site_id, unit_id; /* unit_id 0: none */
    const char *kind, *title, *subtitle, *summary, *author, *source, *publisher, *subject;
    const char *body, *link_url, *index_no;
    const char *doc_no, *issuer, *written_on, *issued_on, *effective_on; /* dates YYYY-MM-DD */
    const char *validity, *validity_on;
    long long validity_by; /* 0: none */
    long long publish_at;  /* Unix seconds, 0: not published */
    const char *pub_date;  /* "2023-05-16 19:01" in the owning site's time zone, NULL: none */
    int revision;
    long long updated_at;         /* Unix seconds */
    const char *metadata_json;    /* item.metadata as JSON text */
    const struct cJSON *metadata; /* the same, parsed; freed with the pool */
    const char **keywords;
    int nkeywords;
    const char **tags; /* names, in the item's order */
    int ntags;
    struct jy_query_relation *relations; /* outgoing first */
    int nrelations;
    struct jy_query_showing *showing; /* placed, then containing, then reusing columns */
    int nshowing;
};

/* Item item_id in full (see above); JY_E_NOT_FOUND when there is none. */
int jy_query_item(struct jy_db *db, struct jy_pool *pool, long long item_id,
                  struct jy_query_item *out, struct jy_err *err);

/* A column of a site's tree. */
struct jy_query_column {
    long long id;
    long long parent_id; /* 0: a top column */
    int parent;          /* index of the parent in the array, -1 for a top column */
    int depth;           /* 0 for top columns */
    const char *code, *path, *std_code, *name, *kind, *item_order, *url;
    const char *description, *keywords;
    int sort, page_size;
    bool in_nav;
    long long unit_id;         /* 0: none */
    long long reuse_column_id; /* 0: reuses nothing */
    long long reuse_site_id;
    const char *reuse_site_code; /* of the source column's site */
    const char *reuse_path;      /* the source column's path */
    const char *reuse_tag_filter;
};

/*
 * The column tree of site_id in navigation order (depth first, siblings by
 * sort then id): *out (in pool) gets *n columns, parents before children.
 * JY_E_NOT_FOUND when there is no such site (a site without columns gives 0).
 */
int jy_query_column_tree(struct jy_db *db, struct jy_pool *pool, long long site_id,
                         struct jy_query_column **out, int *n, struct jy_err *err);

/* The statements, for EXPLAIN in tests and for operators. */
enum jy_query_stmt {
    JY_QUERY_SQL_COLUMN_ITEMS, /* $1 column, $2 page (1-based), $3 page size (0: the column's) */
    JY_QUERY_SQL_TAG_ITEMS,    /* $1 tag, $2 site or NULL, $3 offset, $4 limit */
    JY_QUERY_SQL_ITEM,         /* $1 item */
    JY_QUERY_SQL_COLUMN_TREE,  /* $1 site */
};
const char *jy_query_sql(enum jy_query_stmt s);

#endif /* JY_CORE_QUERY_H */
