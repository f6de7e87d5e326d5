/* SPDX-License-Identifier: BSD-2-Clause */
/* charge.c: bank accounting: charges along the bank chain, allocation of
 * objects and storage, reservations (see charge.h). */
#include "charge.h"

int bank_can_charge(oref b, u64 bytes)
{
    for (; b; b = obj_get(b)->bank) {
        if (obj_get(b)->state != OS_LIVE)
            return E_REVOKED;
        struct bank *k = bank_body(b);
        if (bytes > k->limit - k->usage)  /* usage <= limit always holds */
            return E_NOMEM;
    }
    return E_OK;
}

void bank_charge(oref b, u64 bytes)
{
    for (; b; b = obj_get(b)->bank)
        bank_body(b)->usage += bytes;
}

void bank_uncharge(oref b, u64 bytes)
{
    for (; b; b = obj_get(b)->bank)
        bank_body(b)->usage -= bytes;
}

bool bank_is_ancestor(oref a, oref b)
{
    for (; b; b = obj_get(b)->bank)
        if (a == b)
            return true;
    return false;
}

int bank_alloc_obj(oref b, u8 type, u64 size, oref *out)
{
    u64 bytes = obj_charge(store_order(size));
    int e = bank_can_charge(b, bytes);
    if (e != E_OK)
        return e;
    oref o = obj_alloc(type, store_order(size));
    if (!o)
        return E_NOMEM;
    bank_charge(b, bytes);
    struct bank *k = bank_body(b);
    struct obj *x = obj_get(o);
    x->bank = b;
    x->prev = 0;
    x->next = k->head;
    if (k->head)
        obj_get(k->head)->prev = o;
    k->head = o;
    k->nobj++;
    *out = o;
    return E_OK;
}

int bank_alloc_store(oref b, u64 size, sref *out)
{
    u64 bytes = store_block_size(size);
    int e = bank_can_charge(b, bytes);
    if (e != E_OK)
        return e;
    sref r = store_alloc(store_order(size));
    if (!r)
        return E_NOMEM;
    bank_charge(b, bytes);
    *out = r;
    return E_OK;
}

void bank_free_store(oref b, sref r, u64 size)
{
    store_free(r, store_order(size));
    bank_uncharge(b, store_block_size(size));
}

int reserve_add(struct reserve *rs, oref bank, u64 size, u32 count)
{
    u32 first = rs->n;
    for (u32 i = 0; i < count; i++) {
        sref r;
        int e = rs->n < RESERVE_MAX ? bank_alloc_store(bank, size, &r) : E_NOMEM;
        if (e != E_OK) {
            while (rs->n > first) {
                rs->n--;
                bank_free_store(rs->b[rs->n].bank, rs->b[rs->n].r, (u64)STORE_MIN << rs->b[rs->n].order);
            }
            return e;
        }
        rs->b[rs->n].r = r;
        rs->b[rs->n].bank = bank;
        rs->b[rs->n].order = (u8)store_order(size);
        rs->n++;
    }
    return E_OK;
}

sref reserve_take(struct reserve *rs, oref bank, u64 size)
{
    u8 order = (u8)store_order(size);
    for (u32 i = rs->n; i-- > 0;) {
        if (rs->b[i].bank != bank || rs->b[i].order != order)
            continue;
        sref r = rs->b[i].r;
        rs->b[i] = rs->b[--rs->n];
        return r;  /* zeroed by store_alloc and untouched since */
    }
    return 0;
}

void reserve_drop(struct reserve *rs)
{
    while (rs->n) {
        rs->n--;
        bank_free_store(rs->b[rs->n].bank, rs->b[rs->n].r, (u64)STORE_MIN << rs->b[rs->n].order);
    }
}

oref bank_create_root(void)
{
    u64 avail = store.free_bytes;
    oref o = obj_alloc(OBJ_BANK, store_order(sizeof(struct bank)));
    if (!o)
        return 0;
    struct bank *k = bank_body(o);
    k->limit = avail;
    k->usage = obj_charge(obj_get(o)->order);  /* it pays for itself */
    return o;
}


