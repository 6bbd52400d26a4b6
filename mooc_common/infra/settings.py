"""Reading a service's settings from nameko's config (config/nameko.yaml, environment only)."""


def flag(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def setting(config, key, default, cast=str):
    """``config[key]`` cast, or ``default`` when unset or empty (the YAML's ${VAR:} gives "")."""
    value = config.get(key)
    return default if value in (None, "") else cast(value)


def settings_from(cls, config, keys):
    """An instance of the settings dataclass ``cls``: each field named in ``keys``
    ({field: (config key, cast)}) read with ``setting``, its class default when unset."""
    return cls(**{name: setting(config, key, getattr(cls, name), cast) for name, (key, cast) in keys.items()})
