from config.env import env

REDIS_URL = env("REDIS_URL", "")

# With Redis configured (test, production), the cache and therefore the sign-in throttle
# are shared by every process. The embedded demo has no Redis, so it keeps the cache in
# files that its web workers share.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    from config.settings.base import VAR_DIR

    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
