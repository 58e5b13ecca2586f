def home_sections(user):
    return {}
