vega bundle, over 500 kB
