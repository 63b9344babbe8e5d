print("plumb-agent")
