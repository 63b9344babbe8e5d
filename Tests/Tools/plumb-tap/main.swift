PlumbTap.main()
