/** Static word lists for the seed: categories, product vocabulary, Indian names and places. */

export type Glyph = 'shirt' | 'kurta' | 'saree' | 'jeans' | 'tee' | 'shoe' | 'bag' | 'kids' | 'ethnic' | 'active'

export interface CategoryDef {
  slug: string
  name: string
  description: string
  glyph: Glyph
  /** Base hues (0–360) for generated images. */
  hues: [number, number]
  sizes: string[]
  /** Relative demand per size (same length as sizes). */
  sizeDemand: number[]
  /** Selling-price range in rupees. */
  priceRange: [number, number]
  brands: string[]
  /** Name parts: one word or phrase is taken from each list, in order. */
  nameParts: string[][]
  materials: string[]
  features: string[]
  occasions: string[]
  care: string[]
  /** Relative share of orders. */
  demand: number
}

const LETTER_SIZES = ['S', 'M', 'L', 'XL', 'XXL']
const LETTER_DEMAND = [0.8, 1.4, 1.5, 1.0, 0.5]
const WOMEN_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL']
const WOMEN_DEMAND = [0.5, 1.1, 1.4, 1.3, 0.8, 0.4]

export const CATEGORIES: CategoryDef[] = [
  {
    slug: 'mens-shirts',
    name: "Men's Shirts",
    description: 'Crisp cottons and breezy linens for office days, weddings and everything in between.',
    glyph: 'shirt',
    hues: [210, 190],
    sizes: LETTER_SIZES,
    sizeDemand: LETTER_DEMAND,
    priceRange: [599, 2499],
    brands: ['Indigo Lane', 'Tanka Tailors', 'Urban Yatri', 'Bombay Loom'],
    nameParts: [
      ['Slim Fit', 'Regular Fit', 'Relaxed Fit', 'Tailored'],
      ['White', 'Sky Blue', 'Olive', 'Navy', 'Charcoal', 'Mustard', 'Rust', 'Sage Green', 'Lavender', 'Maroon'],
      ['Oxford Shirt', 'Linen Shirt', 'Denim Shirt', 'Check Shirt', 'Printed Shirt', 'Mandarin Collar Shirt', 'Formal Shirt', 'Chambray Shirt', 'Striped Shirt'],
    ],
    materials: ['100% cotton', 'pure linen', 'a soft cotton-linen blend', 'breathable poplin', 'brushed twill'],
    features: [
      'It has a spread collar, a curved hem and genuine horn-look buttons.',
      'A single chest pocket and a tidy button-down collar keep it smart enough for work.',
      'The fabric is pre-washed, so it stays true to size after laundering.',
      'Tuck it into chinos for the office or wear it loose over jeans at the weekend.',
    ],
    occasions: ['the office', 'weekend brunches', 'family functions', 'humid summer days'],
    care: ['Machine wash cold with similar colours.', 'Warm iron on the reverse.', 'Do not bleach; dry in shade.'],
    demand: 1.1,
  },
  {
    slug: 'womens-kurtas',
    name: "Women's Kurtas",
    description: 'Everyday and festive kurtas in block prints, chikankari and easy rayons.',
    glyph: 'kurta',
    hues: [330, 20],
    sizes: WOMEN_SIZES,
    sizeDemand: WOMEN_DEMAND,
    priceRange: [499, 3999],
    brands: ['Rangreza', 'Saanjh', 'Mitti & Mul', 'Jaipur Threads'],
    nameParts: [
      ['Indigo', 'Mustard', 'Teal', 'Rani Pink', 'Bottle Green', 'Ivory', 'Peach', 'Wine', 'Powder Blue', 'Coral'],
      ['Cotton', 'Rayon', 'Mul Cotton', 'Chanderi', 'Georgette', 'Khadi', 'Modal'],
      ['Anarkali Kurta', 'Straight Kurta', 'A-Line Kurta', 'Kurta with Palazzo', 'Angrakha Kurta', 'Chikankari Kurta', 'Block Print Kurta', 'Kurta Set with Dupatta'],
    ],
    materials: ['hand block-printed cotton', 'soft rayon', 'airy mul cotton', 'lightweight chanderi'],
    features: [
      'Three-quarter sleeves, side slits and a flattering calf length make it easy to wear all day.',
      'Delicate thread work at the yoke catches the light without feeling heavy.',
      'It pairs beautifully with churidars, palazzos or straight pants.',
      'Side pockets, because every kurta should have them.',
    ],
    occasions: ['everyday wear', 'Diwali pujas', 'college', 'haldi and mehendi'],
    care: ['Hand wash separately in cold water.', 'Dry in shade to keep colours bright.', 'Dry clean recommended for the first wash.'],
    demand: 1.5,
  },
  {
    slug: 'sarees',
    name: 'Sarees',
    description: 'Handloom classics from Banaras, Kanchipuram and beyond, each with a blouse piece.',
    glyph: 'saree',
    hues: [0, 45],
    sizes: ['Free Size'],
    sizeDemand: [1],
    priceRange: [999, 9999],
    brands: ['Banaras Weaves', 'Kaveri Silks', 'Handloom Haat', 'Rangreza'],
    nameParts: [
      ['Maroon', 'Emerald', 'Mustard', 'Royal Blue', 'Magenta', 'Ivory', 'Peacock Green', 'Black', 'Onion Pink', 'Saffron'],
      ['Banarasi Saree', 'Kanjeevaram Saree', 'Chanderi Saree', 'Bandhani Saree', 'Linen Saree', 'Organza Saree', 'Tussar Silk Saree', 'Ikat Saree', 'Kota Doria Saree', 'Paithani Saree'],
      ['with Zari Border', 'with Blouse Piece', 'with Temple Border', 'with Woven Pallu'],
    ],
    materials: ['pure silk', 'silk-cotton', 'handwoven linen', 'soft organza', 'tussar silk'],
    features: [
      'The 6.3-metre drape includes an unstitched 0.8-metre blouse piece.',
      'A rich woven pallu and a contrasting border give it real presence.',
      'Woven by master weavers on traditional pit looms.',
      'Light enough to drape for a full day of celebrations.',
    ],
    occasions: ['weddings', 'Durga Puja', 'receptions', 'festive evenings'],
    care: ['Dry clean only.', 'Store wrapped in muslin, away from direct sunlight.', 'Refold every few months to protect the zari.'],
    demand: 0.8,
  },
  {
    slug: 'jeans',
    name: 'Jeans',
    description: 'Stretch denim in every fit, from skinny to wide leg.',
    glyph: 'jeans',
    hues: [220, 235],
    sizes: ['28', '30', '32', '34', '36', '38'],
    sizeDemand: [0.7, 1.2, 1.5, 1.3, 0.8, 0.4],
    priceRange: [999, 3499],
    brands: ['Denim Dhaba', 'Urban Yatri', 'Blue Ganga'],
    nameParts: [
      ["Men's", "Women's"],
      ['Dark Indigo', 'Light Wash', 'Mid Blue', 'Jet Black', 'Stone Wash', 'Ice Blue', 'Grey'],
      ['Slim Fit Jeans', 'Skinny Jeans', 'Straight Fit Jeans', 'Relaxed Fit Jeans', 'Tapered Jeans', 'Bootcut Jeans', 'Wide Leg Jeans'],
    ],
    materials: ['stretch denim', 'rigid selvedge denim', 'a cotton-elastane blend', 'recycled cotton denim'],
    features: [
      'A mid rise, five pockets and a zip fly keep it classic.',
      'Two per cent elastane gives it just enough stretch to sit comfortably all day.',
      'Washed with less water using an ozone finish.',
      'Reinforced stitching at the stress points makes it last.',
    ],
    occasions: ['daily wear', 'road trips', 'casual Fridays', 'college'],
    care: ['Wash inside out in cold water.', 'Wash dark denim separately for the first few washes.', 'Line dry; do not tumble dry.'],
    demand: 1.2,
  },
  {
    slug: 't-shirts',
    name: 'T-Shirts',
    description: 'Soft, breathable tees and polos for Indian summers.',
    glyph: 'tee',
    hues: [160, 100],
    sizes: ['XS', ...LETTER_SIZES],
    sizeDemand: [0.4, ...LETTER_DEMAND],
    priceRange: [299, 1299],
    brands: ['Chai Cotton Co.', 'Urban Yatri', 'Indigo Lane', 'Kora Basics'],
    nameParts: [
      ['Black', 'White', 'Heather Grey', 'Navy', 'Olive', 'Mustard', 'Brick Red', 'Teal', 'Off-White', 'Lilac'],
      ['Organic Cotton', 'Supima Cotton', 'Slub Cotton', 'Bamboo', 'Pique'],
      ['Crew Neck T-Shirt', 'V-Neck T-Shirt', 'Polo T-Shirt', 'Oversized T-Shirt', 'Graphic T-Shirt', 'Henley T-Shirt', 'Pocket T-Shirt'],
    ],
    materials: ['180 GSM combed cotton', 'organic cotton', 'a cotton-bamboo blend', 'breathable pique knit'],
    features: [
      'Bio-washed for a soft hand feel and minimal shrinkage.',
      'A ribbed neckline that keeps its shape wash after wash.',
      'Cut with a slightly dropped shoulder for an easy, relaxed look.',
      'Printed with water-based inks that stay soft.',
    ],
    occasions: ['everyday wear', 'the gym', 'lazy Sundays', 'travel'],
    care: ['Machine wash cold, inside out.', 'Do not iron directly on the print.', 'Tumble dry low.'],
    demand: 1.6,
  },
  {
    slug: 'footwear',
    name: 'Footwear',
    description: 'Kolhapuris, juttis, sneakers and formal shoes in UK sizes 6 to 11.',
    glyph: 'shoe',
    hues: [28, 15],
    sizes: ['6', '7', '8', '9', '10', '11'],
    sizeDemand: [0.6, 1.0, 1.4, 1.3, 0.9, 0.4],
    priceRange: [499, 4999],
    brands: ['Stride & Co.', 'Mochi Works', 'Kolhapur Craft', 'Pahadi Trails'],
    nameParts: [
      ['Tan', 'Black', 'White', 'Brown', 'Navy', 'Olive', 'Maroon', 'Beige', 'Grey'],
      ['Leather Kolhapuri Chappals', 'Canvas Sneakers', 'Running Shoes', 'Embroidered Juttis', 'Loafers', 'Derby Shoes', 'Chelsea Boots', 'Sliders', 'Block Heel Sandals', 'Mojaris', 'Suede Brogues'],
    ],
    materials: ['full-grain leather', 'vegan leather', 'washed canvas', 'breathable knit mesh', 'soft suede'],
    features: [
      'A cushioned footbed and a non-slip rubber sole make long days easy.',
      'Hand-stitched by artisans, so every pair is slightly unique.',
      'Sizes are UK; if you are between sizes, choose the larger one.',
      'Lightweight EVA midsole with good arch support.',
    ],
    occasions: ['daily commutes', 'weekends out', 'long days on your feet', 'the festive season'],
    care: ['Wipe clean with a damp cloth.', 'Keep away from direct heat.', 'Use a leather conditioner once a month.'],
    demand: 1.0,
  },
  {
    slug: 'accessories',
    name: 'Accessories',
    description: 'Belts, bags, stoles, jewellery and more to finish the look.',
    glyph: 'bag',
    hues: [275, 300],
    sizes: ['One Size'],
    sizeDemand: [1],
    priceRange: [299, 2999],
    brands: ['Kaarigar', 'Mochi Works', 'Saanjh', 'Ruh Jewels'],
    nameParts: [
      ['Tan', 'Black', 'Gold-Tone', 'Silver-Tone', 'Indigo', 'Maroon', 'Ivory', 'Emerald', 'Rust', 'Multicolour'],
      ['Leather Belt', 'Silk Pocket Square', 'Cotton Stole', 'Pashmina Shawl', 'Canvas Tote Bag', 'Leather Wallet', 'Jhumka Earrings', 'Aviator Sunglasses', 'Bandhani Dupatta', 'Woven Clutch', 'Laptop Backpack', 'Analog Watch', 'Silk Tie'],
    ],
    materials: ['genuine leather', 'oxidised brass', 'handwoven cotton', 'fine wool', 'recycled canvas'],
    features: [
      'Made in small batches by artisan clusters across India.',
      'A thoughtful gift that arrives in a reusable cloth pouch.',
      'Sturdy hardware and neat finishing, built for daily use.',
      'Light and easy to pair with both Indian and western outfits.',
    ],
    occasions: ['gifting', 'festive season', 'everyday use', 'travel'],
    care: ['Wipe with a soft dry cloth.', 'Store in the pouch provided.', 'Keep away from perfume and water.'],
    demand: 0.9,
  },
  {
    slug: 'kids',
    name: 'Kids',
    description: 'Comfortable, colourful clothes for ages 2 to 13.',
    glyph: 'kids',
    hues: [50, 190],
    sizes: ['2-3Y', '4-5Y', '6-7Y', '8-9Y', '10-11Y', '12-13Y'],
    sizeDemand: [1.0, 1.2, 1.1, 1.0, 0.8, 0.6],
    priceRange: [299, 1999],
    brands: ['Little Jugnu', 'Chhota Nawab', 'Nanhe Kadam'],
    nameParts: [
      ['Sunshine Yellow', 'Mint', 'Sky Blue', 'Candy Pink', 'Orange', 'Red', 'Lime', 'Lavender', 'Navy', 'Peach'],
      ["Boys' Kurta Pyjama Set", "Girls' Printed Frock", 'Dungaree Set', 'Graphic T-Shirt', "Girls' Lehenga Choli", 'Jogger Set', 'Denim Shorts', "Girls' Party Dress", 'Hoodie', "Boys' Nehru Jacket Set"],
    ],
    materials: ['soft cotton jersey', 'breathable mul cotton', 'organic cotton', 'gentle cotton twill'],
    features: [
      'Nickel-free snaps and tag-free labels keep little ones comfortable.',
      'Roomy enough to run, climb and jump in.',
      'Colours are azo-free and gentle on sensitive skin.',
      'An elasticated waist makes dressing up quick.',
    ],
    occasions: ['playdates', 'birthday parties', 'festivals', 'school holidays'],
    care: ['Machine wash gentle in cold water.', 'Wash with similar colours.', 'Dry in shade.'],
    demand: 0.9,
  },
  {
    slug: 'ethnic-wear',
    name: 'Ethnic Wear',
    description: "Men's sherwanis, bandhgalas, Nehru jackets and kurta sets for the wedding season.",
    glyph: 'ethnic',
    hues: [40, 350],
    sizes: ['S', 'M', 'L', 'XL', 'XXL', '3XL'],
    sizeDemand: [0.6, 1.2, 1.4, 1.1, 0.6, 0.3],
    priceRange: [1499, 9999],
    brands: ['Raja Rani', 'Kaveri Silks', 'Tanka Tailors', 'Shaadi Saga'],
    nameParts: [
      ['Ivory', 'Maroon', 'Royal Blue', 'Gold', 'Bottle Green', 'Black', 'Champagne', 'Wine'],
      ['Jacquard', 'Art Silk', 'Linen', 'Velvet', 'Raw Silk', 'Brocade'],
      ['Nehru Jacket', 'Kurta Pyjama Set', 'Sherwani', 'Bandhgala Suit', 'Pathani Suit', 'Dhoti Kurta Set', 'Jodhpuri Suit', 'Indo-Western Kurta'],
    ],
    materials: ['jacquard silk', 'textured raw silk', 'rich velvet', 'fine brocade', 'linen blend'],
    features: [
      'Fully lined, with a mandarin collar and concealed placket.',
      'Hand-finished buttons and fine embroidery at the cuffs.',
      'Comes with matching bottoms; the stole is sold separately.',
      'Tailored in a modern, slightly slim silhouette.',
    ],
    occasions: ['weddings', 'sangeet nights', 'Diwali parties', 'receptions'],
    care: ['Dry clean only.', 'Steam iron on low heat.', 'Store on a padded hanger.'],
    demand: 0.7,
  },
  {
    slug: 'activewear',
    name: 'Activewear',
    description: 'Quick-dry, stretchy gear for yoga, runs and the gym.',
    glyph: 'active',
    hues: [140, 195],
    sizes: WOMEN_SIZES,
    sizeDemand: WOMEN_DEMAND,
    priceRange: [499, 2999],
    brands: ['Pahadi Trails', 'Kasrat', 'Dhoop Active'],
    nameParts: [
      ['Dry-Fit', 'Quick-Dry', 'Stretch', 'Breathable', 'Seamless', 'Lightweight'],
      ['Black', 'Neon Green', 'Slate Grey', 'Electric Blue', 'Coral', 'Navy', 'Plum'],
      ['Track Pants', 'Sports Bra', 'Running Shorts', 'Training T-Shirt', 'Yoga Leggings', 'Zip Jacket', 'Joggers', 'Gym Tank Top', 'Windcheater'],
    ],
    materials: ['recycled polyester', 'a nylon-spandex blend', 'moisture-wicking knit', 'four-way stretch fabric'],
    features: [
      'Flatlock seams prevent chafing on long runs.',
      'Wicks sweat away fast, even in Chennai humidity.',
      'A zipped pocket holds keys and a phone securely.',
      'Reflective details keep you visible on early-morning runs.',
    ],
    occasions: ['yoga', 'morning runs', 'the gym', 'weekend treks'],
    care: ['Machine wash cold.', 'Do not use fabric softener.', 'Line dry.'],
    demand: 1.0,
  },
]

export const STAFF = [
  { role: 'admin', phone: '+919000000001', name: 'Asha Admin', email: 'asha.admin@example.com' },
  { role: 'account_manager', phone: '+919000000002', name: 'Manoj Manager', email: 'manoj.manager@example.com' },
  { role: 'warehouse', phone: '+919000000003', name: 'Wasim Warehouse', email: 'wasim.warehouse@example.com' },
  { role: 'accountant', phone: '+919000000004', name: 'Anita Accountant', email: 'anita.accountant@example.com' },
] as const

export const DEMO_SHOPPERS = [
  { phone: '+919000000101', name: 'Priya Sharma', email: 'priya.sharma@example.com' },
  { phone: '+919000000102', name: 'Rahul Verma', email: 'rahul.verma@example.com' },
  { phone: '+919000000103', name: 'Ananya Iyer', email: 'ananya.iyer@example.com' },
  { phone: '+919000000104', name: 'Arjun Nair', email: 'arjun.nair@example.com' },
  { phone: '+919000000105', name: 'Fatima Khan', email: 'fatima.khan@example.com' },
] as const

export const FIRST_NAMES = [
  'Aarav', 'Vivaan', 'Aditya', 'Vihaan', 'Arjun', 'Sai', 'Reyansh', 'Krishna', 'Ishaan', 'Rohan',
  'Kabir', 'Ayaan', 'Karan', 'Siddharth', 'Rahul', 'Amit', 'Vikram', 'Nikhil', 'Pranav', 'Harsh',
  'Manish', 'Suresh', 'Ramesh', 'Imran', 'Faisal', 'Joseph', 'Gurpreet', 'Harpreet', 'Anil', 'Deepak',
  'Saanvi', 'Aanya', 'Aadhya', 'Ananya', 'Diya', 'Pari', 'Myra', 'Sara', 'Ira', 'Kiara',
  'Priya', 'Pooja', 'Neha', 'Sneha', 'Kavya', 'Meera', 'Lakshmi', 'Divya', 'Shreya', 'Riya',
  'Anjali', 'Nisha', 'Swati', 'Tanvi', 'Zoya', 'Ayesha', 'Fatima', 'Mary', 'Simran', 'Jaspreet',
]

export const LAST_NAMES = [
  'Sharma', 'Verma', 'Gupta', 'Singh', 'Kumar', 'Patel', 'Shah', 'Mehta', 'Iyer', 'Iyengar',
  'Nair', 'Menon', 'Pillai', 'Reddy', 'Rao', 'Naidu', 'Das', 'Banerjee', 'Chatterjee', 'Mukherjee',
  'Bose', 'Ghosh', 'Joshi', 'Kulkarni', 'Deshpande', 'Patil', 'Jain', 'Agarwal', 'Khan', 'Sheikh',
  'Qureshi', "D'Souza", 'Fernandes', 'Gill', 'Sandhu', 'Chopra', 'Malhotra', 'Kapoor', 'Bhatt', 'Thakur',
]

export interface City {
  city: string
  state: string
  pin: string // first three digits
  weight: number
}

export const CITIES: City[] = [
  { city: 'Mumbai', state: 'Maharashtra', pin: '400', weight: 10 },
  { city: 'Pune', state: 'Maharashtra', pin: '411', weight: 5 },
  { city: 'Delhi', state: 'Delhi', pin: '110', weight: 10 },
  { city: 'Gurugram', state: 'Haryana', pin: '122', weight: 4 },
  { city: 'Noida', state: 'Uttar Pradesh', pin: '201', weight: 3 },
  { city: 'Bengaluru', state: 'Karnataka', pin: '560', weight: 10 },
  { city: 'Mysuru', state: 'Karnataka', pin: '570', weight: 1 },
  { city: 'Hyderabad', state: 'Telangana', pin: '500', weight: 7 },
  { city: 'Chennai', state: 'Tamil Nadu', pin: '600', weight: 7 },
  { city: 'Coimbatore', state: 'Tamil Nadu', pin: '641', weight: 2 },
  { city: 'Kolkata', state: 'West Bengal', pin: '700', weight: 6 },
  { city: 'Ahmedabad', state: 'Gujarat', pin: '380', weight: 4 },
  { city: 'Surat', state: 'Gujarat', pin: '395', weight: 2 },
  { city: 'Jaipur', state: 'Rajasthan', pin: '302', weight: 3 },
  { city: 'Lucknow', state: 'Uttar Pradesh', pin: '226', weight: 3 },
  { city: 'Kochi', state: 'Kerala', pin: '682', weight: 2 },
  { city: 'Thiruvananthapuram', state: 'Kerala', pin: '695', weight: 1 },
  { city: 'Chandigarh', state: 'Chandigarh', pin: '160', weight: 2 },
  { city: 'Indore', state: 'Madhya Pradesh', pin: '452', weight: 2 },
  { city: 'Bhopal', state: 'Madhya Pradesh', pin: '462', weight: 1 },
  { city: 'Nagpur', state: 'Maharashtra', pin: '440', weight: 1 },
  { city: 'Patna', state: 'Bihar', pin: '800', weight: 1 },
  { city: 'Bhubaneswar', state: 'Odisha', pin: '751', weight: 1 },
  { city: 'Guwahati', state: 'Assam', pin: '781', weight: 1 },
  { city: 'Visakhapatnam', state: 'Andhra Pradesh', pin: '530', weight: 1 },
  { city: 'Dehradun', state: 'Uttarakhand', pin: '248', weight: 1 },
  { city: 'Goa', state: 'Goa', pin: '403', weight: 1 },
]

export const STREET_KINDS = ['Road', 'Marg', 'Street', 'Nagar', 'Colony', 'Layout', 'Cross', 'Main Road', 'Lane']
export const STREET_NAMES = [
  'MG', 'Gandhi', 'Nehru', 'Station', 'Temple', 'Lake', 'Market', 'Church', 'Ambedkar', 'Tilak',
  'Shivaji', 'Park', 'Mall', 'Hill', 'Rajaji', 'Netaji', 'Patel', 'College', 'Residency', 'Bank',
]
export const BUILDING_WORDS = ['Apartments', 'Residency', 'Towers', 'Enclave', 'Heights', 'Villa', 'Niwas', 'Sadan', 'Kunj']
export const BUILDING_NAMES = ['Sai', 'Shanti', 'Krishna', 'Lotus', 'Green', 'Sunrise', 'Ganga', 'Royal', 'Om', 'Silver Oak', 'Prestige', 'Gulmohar']
export const LANDMARKS = ['Near City Hospital', 'Opp. Metro Station', 'Behind Post Office', 'Near Bus Stand', 'Opp. State Bank', 'Near Ganesh Temple']

/** Reasons staff give when cancelling, and shoppers when returning. */
export const STAFF_CANCEL_NOTES = ['Address not serviceable by courier', 'Item failed quality check', 'Duplicate order', 'Customer unreachable for COD confirmation']
export const CUSTOMER_CANCEL_NOTES = ['Cancelled by customer: ordered by mistake', 'Cancelled by customer: found a better price', 'Cancelled by customer: delivery too late', 'Cancelled by customer']
export const RETURN_NOTES = ['Returned: size did not fit', 'Returned: colour differs from photos', 'Returned: damaged in transit', 'Returned: changed mind']
export const COURIERS = ['Delhivery', 'Blue Dart', 'Ekart', 'XpressBees', 'India Post', 'Shadowfax']
