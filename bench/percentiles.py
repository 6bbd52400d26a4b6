"""Nearest-rank percentiles of the benchmarks' samples."""


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rounded(values, p, digits=3):
    value = percentile(values, p)
    return None if value is None else round(value, digits)
