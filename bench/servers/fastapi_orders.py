"""The throughput comparison: the orders schema of tenants/example.ts as a pydantic model in FastAPI."""
from datetime import datetime
from typing import List, Optional

from fastapi import FastAPI
from pydantic import BaseModel, Extra, conint, constr, confloat


class OrderItem(BaseModel):
    sku: constr(min_length=1)
    qty: conint(strict=True, ge=1)

    class Config:
        extra = Extra.forbid


class Order(BaseModel):
    order_id: constr(min_length=1, max_length=64)
    customer_id: str
    amount: confloat(gt=0)
    currency: constr(regex=r"^[A-Z]{3}$")
    placed_at: datetime
    items: Optional[List[OrderItem]] = None


app = FastAPI()


@app.post("/stream/v0/data/orders", status_code=202)
async def ingest(order: Order) -> dict:
    return {"status": "accepted", "stream": "orders", "records": 1}
