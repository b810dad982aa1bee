"""Languages a work can be written in: code, and the name readers see."""

LANGUAGES: dict[str, str] = {
    "af": "Afrikaans", "ar": "العربية", "bg": "Български", "bn": "বাংলা", "ca": "Català",
    "cs": "Čeština", "cy": "Cymraeg", "da": "Dansk", "de": "Deutsch", "el": "Ελληνικά",
    "en": "English", "eo": "Esperanto", "es": "Español", "et": "Eesti", "eu": "Euskara",
    "fa": "فارسی", "fi": "Suomi", "fil": "Filipino", "fr": "Français", "ga": "Gaeilge",
    "gl": "Galego", "he": "עברית", "hi": "हिन्दी", "hr": "Hrvatski", "hu": "Magyar",
    "id": "Bahasa Indonesia", "is": "Íslenska", "it": "Italiano", "ja": "日本語",
    "ko": "한국어", "la": "Lingua latina", "lt": "Lietuvių", "lv": "Latviešu",
    "ms": "Bahasa Melayu", "nl": "Nederlands", "no": "Norsk", "pl": "Polski",
    "pt-BR": "Português brasileiro", "pt-PT": "Português europeu", "ro": "Română",
    "ru": "Русский", "sk": "Slovenčina", "sl": "Slovenščina", "sr": "Српски", "sv": "Svenska",
    "sw": "Kiswahili", "ta": "தமிழ்", "th": "ไทย", "tl": "Tagalog", "tr": "Türkçe",
    "uk": "Українська", "ur": "اُردُو", "vi": "Tiếng Việt", "zh": "中文-普通话 國語",
    "yue": "中文-广东话 粵語",
}

LANGUAGE_CHOICES = sorted(LANGUAGES.items(), key=lambda item: item[1].casefold())


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)
