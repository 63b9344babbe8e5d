print("plumb-controller")
