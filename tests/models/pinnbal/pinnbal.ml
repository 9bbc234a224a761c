# The small PINN of ../pinn with its loss terms balanced by their gradient norms.
# A tile of 8 points makes the sets straddle tiles and both workers take part.
model PINNBal
dtype float64
input  x, t
dense  6, tanh
dense  5, sin
dense  1 -> u
const  nu = 0.01 / pi
points boundary(x, t; u_bd)
points interior(x, t)
residual r = d(u, t) + u * d(u, x) - nu * d(u, x, x) + 0.1 * d(u, x, t)
loss 5 * mean(boundary, (u - u_bd)^2) + mean(interior, r^2) + 0.5 * mean(boundary + interior, d(u, t)^2)
train batch = 8, balance = grad_norm(every = 2, alpha = 0.5)
