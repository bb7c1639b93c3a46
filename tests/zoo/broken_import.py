import this_module_does_not_exist  # noqa: F401  (a model module that does not import)
