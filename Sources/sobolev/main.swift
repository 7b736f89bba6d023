print("sobolev")
