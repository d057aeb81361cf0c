import StatMLCore
print("statml")
